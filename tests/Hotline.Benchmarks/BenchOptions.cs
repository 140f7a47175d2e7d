using System.Globalization;

namespace Hotline.Benchmarks;

// Everything one run needs. The auth token comes from the environment under the app's own key, so it never
// shows in a process listing; ops/bench.sh sets it for both.
public sealed record BenchOptions(
    Uri Target,
    string PublicBaseUrl,
    string AuthToken,
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
        usage: Hotline.Benchmarks webhooks --url URL [--public-url URL] [--seconds N] [--warmup N]
                                           [--concurrency N] [--rate N] [--max-requests N]
                                           [--sql-stats CONNECTION_STRING] [--app-pid PID] [--postgres-pid PID]
                                           [--pgbench-inserts N]
          Twilio__AuthToken must hold the app's auth token; HOTLINE_BENCH_COMMAND, when set, is named in the
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

        string? url = null, publicUrl = null, sqlStats = null;
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

        var token = Environment.GetEnvironmentVariable("Twilio__AuthToken");
        if (string.IsNullOrEmpty(token))
        {
            throw new ArgumentException("Twilio__AuthToken is not set: requests could not be signed.");
        }

        return new BenchOptions(target, (publicUrl ?? url).TrimEnd('/'), token, seconds, warmup, concurrency, rate, maxRequests, sqlStats, appPid, postgresPid, pgbench);
    }
}
