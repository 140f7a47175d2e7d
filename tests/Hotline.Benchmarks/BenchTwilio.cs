using System.Collections.Concurrent;
using System.Diagnostics;
using Hotline.Sandbox;

namespace Hotline.Benchmarks;

// The SMS side of the measured runs (the intake runs; the constant endpoint sends none). Expected: one reference-code
// SMS per voicemail call whose voicemail/recorded webhook was answered. Accepted: the SMS the sandbox took (201) for
// those callers, duplicates included. Other: SMS to numbers no call of the benchmark owed (alerts, replies), over the
// whole program. Refused: REST requests for an SMS the sandbox answered with an error, over the whole program.
public sealed record SmsTally(
    Uri Twilio, int Expected, int Accepted, int Duplicates, int Other, int Refused, int Callbacks, int CallbacksFailed, string? FirstProblem)
{
    public bool Ok => Accepted == Expected && Duplicates == 0 && CallbacksFailed == 0;
}

// The Twilio the app talks to during the benchmark: the project's sandbox, hosted in this process on the address
// ops/bench.sh gave the app as Twilio:ApiBaseUrl. It accepts the app's SMS and reports them sent, then delivered, to
// the app's status callback as Twilio does (1 s and 3 s later, in real time), so that the app does what it does in
// service, instead of retrying SMS that cannot be sent for the whole run. Its CPU is part of the client figure.
public sealed class BenchTwilio : IAsyncDisposable
{
    readonly SandboxServer server;

    // Caller number → whether its call ran in a measured run. Every call has its own number.
    readonly ConcurrentDictionary<string, bool> owed = new(StringComparer.Ordinal);
    volatile bool measuring;

    BenchTwilio(SandboxServer server) => this.server = server;

    public Uri Address => server.BaseAddress;

    public static async Task<BenchTwilio> StartAsync(BenchOptions options)
    {
        var server = await SandboxServer.StartAsync(new SandboxOptions
        {
            AccountSid = options.AccountSid,
            AuthToken = options.AuthToken,
            AppBaseUrl = options.PublicBaseUrl,
            HotlineNumber = options.HotlineNumber,
            Speed = 1,
        }, appHandler: null, urls: options.SandboxUrl.GetLeftPart(UriPartial.Authority));
        return new BenchTwilio(server);
    }

    // From now on, the SMS owed belong to the measured runs.
    public void StartMeasuring() => measuring = true;

    public void Owe(string to) => owed.TryAdd(to, measuring);

    // Waits until every SMS owed so far has been accepted and every status callback of every SMS has been answered;
    // the time it took, or null if that did not happen within the timeout.
    public async Task<TimeSpan?> SettleAsync(TimeSpan timeout)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var messages = server.Sandbox.Messages.All();
            var received = messages.Select(m => m.To).ToHashSet(StringComparer.Ordinal);
            if (owed.Keys.All(received.Contains) && messages.All(m => m.Completion.IsCompleted))
            {
                return Stopwatch.GetElapsedTime(started);
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                return null;
            }

            await Task.Delay(100);
        }
    }

    public SmsTally Tally()
    {
        var messages = server.Sandbox.Messages.All();
        var measured = owed.Where(p => p.Value).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var accepted = messages.Where(m => measured.Contains(m.To)).ToList();
        var callbacks = accepted.SelectMany(m => m.Callbacks).ToList();
        var failed = callbacks.Where(c => !c.Succeeded).ToList();
        var refused = Refusals();
        var problem = failed.FirstOrDefault() is { } f
            ? $"status callback {f.Url}: {(f.Error ?? $"HTTP {f.Status}: {Clip(f.Body)}")}"
            : refused.FirstOrDefault() is { } r ? $"the sandbox refused an SMS with HTTP {r.Status}" : null;
        return new SmsTally(Address, measured.Count, accepted.Count, accepted.Count - accepted.Select(m => m.To).Distinct().Count(),
            messages.Count(m => !owed.ContainsKey(m.To)), refused.Count, callbacks.Count, failed.Count, problem);
    }

    // Why no SMS may have arrived, for a message that says what to check.
    public string Diagnosis()
    {
        var refused = Refusals();
        return refused.Count == 0
            ? $"the sandbox received no request for them (is the app's Twilio__ApiBaseUrl {Address}?)"
            : $"the sandbox refused {refused.Count} (first: HTTP {refused[0].Status} for {refused[0].Path}; a 401 or 404 is a wrong Twilio__AccountSid or Twilio__AuthToken)";
    }

    List<Hotline.Sandbox.Rest.RecordedRequest> Refusals() =>
        server.Requests.All().Where(r => r.Method == "POST" && r.Path.EndsWith("/Messages.json", StringComparison.Ordinal) && r.Status >= 300).ToList();

    static string Clip(string body) => body.Length > 200 ? body[..200] + "…" : body;

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
