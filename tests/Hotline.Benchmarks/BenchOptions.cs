using System.Globalization;
using Hotline.Sandbox.Rest;

namespace Hotline.Benchmarks;

// Everything one run needs. The auth token, account SID and hotline number come from the environment under the app's
// own keys (the token then never shows in a process listing); ops/bench.sh sets them for both. SandboxUrl is where
// the Twilio sandbox this program hosts listens: the app's Twilio:ApiBaseUrl.
public sealed record BenchOptions(
    Uri Target,
    string PublicBaseUrl,
    string AuthToken,
    string AccountSid,
    string HotlineNumber,
    Uri SandboxUrl,
    int Seconds,
    int WarmupSeconds,
    int Concurrency,
    int Rate,
    int MaxRequests,
    string? SqlStatsConnectionString,
    int? AppPid,
    int? PostgresPid,
    double? PgbenchInsertsPerSecond = null)
{
    public const string Usage = """
        usage: Hotline.Benchmarks webhooks --url URL --sandbox-url URL [--public-url URL] [--seconds N] [--warmup N]
                                           [--concurrency N] [--rate N] [--max-requests N]
                                           [--sql-stats CONNECTION_STRING] [--app-pid PID] [--postgres-pid PID]
                                           [--pgbench-inserts N]
          Twilio__AuthToken, Twilio__AccountSid and Twilio__PhoneNumber must hold the app's own. The program hosts the
          Twilio sandbox on --sandbox-url (a loopback address with a port; the app's Twilio__ApiBaseUrl), which accepts
          the app's SMS and sends their status callbacks to the app. HOTLINE_BENCH_COMMAND, when set, is named in the
          report as the command that produced it. --pgbench-inserts is PostgreSQL's own single-row insert rate
          (pgbench, measured by ops/bench.sh on the same cluster), reported as a ratio. Normally started by ops/bench.sh.
        """;

    public static BenchOptions Parse(string[] args)
    {
        var rest = new Queue<string>(args);
        if (rest.Count > 0 && rest.Peek() == "webhooks")
        {
            rest.Dequeue();
        }

        string? url = null, publicUrl = null, sandboxUrl = null, sqlStats = null;
        int seconds = 20, warmup = 5, concurrency = 16, rate = 200, maxRequests = 2_000_000;
        int? appPid = null, postgresPid = null;
        double? pgbench = null;
        while (rest.Count > 0)
        {
            var name = rest.Dequeue();
            string Value() => rest.Count > 0 ? rest.Dequeue() : throw new ArgumentException($"{name} needs a value.");
            int Positive() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{name} needs a positive whole number.");
            switch (name)
            {
                case "--url": url = Value(); break;
                case "--public-url": publicUrl = Value(); break;
                case "--sandbox-url": sandboxUrl = Value(); break;
                case "--seconds": seconds = Positive(); break;
                case "--warmup": warmup = Positive(); break;
                case "--concurrency": concurrency = Positive(); break;
                case "--rate": rate = Positive(); break;
                case "--max-requests": maxRequests = Positive(); break;
                case "--sql-stats": sqlStats = Value(); break;
                case "--app-pid": appPid = Positive(); break;
                case "--postgres-pid": postgresPid = Positive(); break;
                case "--pgbench-inserts":
                    pgbench = double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var tps) && tps > 0
                        ? tps
                        : throw new ArgumentException($"{name} needs a positive number.");
                    break;
                default: throw new ArgumentException($"Unknown argument '{name}'.");
            }
        }

        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var target))
        {
            throw new ArgumentException("--url must be the app's absolute address, e.g. http://127.0.0.1:5080.");
        }

        if (!target.IsLoopback)
        {
            // A load generator aimed at someone else's server by mistake is worse than no benchmark.
            throw new ArgumentException($"--url must be a loopback address; {target.Host} is not.");
        }

        if (sandboxUrl is null || !Uri.TryCreate(sandboxUrl, UriKind.Absolute, out var sandbox) || !sandbox.IsLoopback
            || sandbox.Scheme != Uri.UriSchemeHttp || sandbox.IsDefaultPort)
        {
            throw new ArgumentException("--sandbox-url must be the loopback address the Twilio sandbox listens on, with its port " +
                "(the app's Twilio__ApiBaseUrl), e.g. http://127.0.0.1:5090.");
        }

        string FromEnvironment(string key, string why) =>
            Environment.GetEnvironmentVariable(key) is { Length: > 0 } value ? value : throw new ArgumentException($"{key} is not set: {why}.");
        var token = FromEnvironment("Twilio__AuthToken", "requests could not be signed");
        var accountSid = FromEnvironment("Twilio__AccountSid", "the sandbox would refuse the app's SMS");
        var hotline = FromEnvironment("Twilio__PhoneNumber", "calls need the hotline's number as their To");
        if (!RestEndpoints.IsPhoneNumber(hotline))
        {
            throw new ArgumentException($"Twilio__PhoneNumber must be an E.164 number the sandbox takes as a From (+ and 7 to 15 digits); {hotline} is not.");
        }

        return new BenchOptions(target, (publicUrl ?? url).TrimEnd('/'), token, accountSid, hotline, sandbox, seconds, warmup, concurrency, rate, maxRequests, sqlStats, appPid, postgresPid, pgbench);
    }
}
