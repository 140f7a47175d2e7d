using System.Collections.Concurrent;

namespace Hotline.Sandbox.Calls;

// A call the sandbox is playing or has played, inbound or outbound.
public sealed class TrackedCall
{
    private volatile string status;

    internal TrackedCall(CallSession call, string status)
    {
        Sid = call.Sid;
        Direction = call.Direction;
        From = call.From;
        To = call.To;
        this.status = status;
    }

    public string Sid { get; }
    public string Direction { get; }
    public string From { get; }
    public string To { get; }
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;

    // queued, ringing, in-progress, then the final one (completed, busy, no-answer, failed, canceled).
    public string Status
    {
        get => status;
        internal set => status = value;
    }

    public Task<CallTranscript> Completion { get; internal set; } = Task.FromResult<CallTranscript>(null!);

    public CallTranscript? Transcript => Completion.IsCompletedSuccessfully ? Completion.Result : null;
}

public sealed class CallRegistry
{
    private readonly ConcurrentDictionary<string, TrackedCall> calls = new(StringComparer.Ordinal);

    public TrackedCall? Find(string sid) => calls.GetValueOrDefault(sid);

    public IReadOnlyList<TrackedCall> All() => calls.Values.OrderBy(c => c.CreatedAt).ToList();

    public async Task<CallTranscript> WaitAsync(string sid, CancellationToken ct) =>
        calls.TryGetValue(sid, out var call)
            ? await call.Completion.WaitAsync(ct)
            : throw new KeyNotFoundException($"The sandbox has no call {sid}.");

    public Task WaitForAllAsync(CancellationToken ct) => Task.WhenAll(calls.Values.Select(c => c.Completion)).WaitAsync(ct);

    internal TrackedCall Start(CallSession call, string status, Func<TrackedCall, Task<CallTranscript>> run)
    {
        var tracked = new TrackedCall(call, status);
        calls[call.Sid] = tracked;
        tracked.Completion = run(tracked);
        _ = tracked.Completion.ContinueWith(
            t => Console.Error.WriteLine($"sandbox: call {tracked.Sid} failed: {t.Exception?.GetBaseException()}"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return tracked;
    }

    public void Reset() => calls.Clear();
}
