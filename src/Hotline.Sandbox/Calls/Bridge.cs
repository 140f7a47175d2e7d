namespace Hotline.Sandbox.Calls;

// Two legs talking. The conversation ends when either party hangs up: because their script says so
// (HangupAfterSeconds) or because they have talked for TalkSeconds. The other leg then carries on with its TwiML.
// A is the leg that dialled, B the leg that was dialled or taken from a queue.
public sealed class Bridge(SandboxClock clock, CallSession a, CallSession b, Uri? whisperUrl = null)
{
    private readonly TaskCompletionSource<bool> connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<TimeSpan> ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CallSession A { get; } = a;
    public CallSession B { get; } = b;
    public TimeSpan StartedAt { get; } = clock.Now;

    // <Queue url>: a document played to the queued caller before the two are connected.
    public Uri? WhisperUrl { get; } = whisperUrl;

    // The queued side says when it is ready (after any whisper document); false when it hung up first.
    internal Task<bool> Connected => connected.Task;
    internal Task<TimeSpan> Ended => ended.Task;

    internal void MarkConnected(bool ok) => connected.TrySetResult(ok);

    internal async Task<TimeSpan> TalkAsync()
    {
        var start = clock.Now;
        A.Step("bridge", $"connected to {B.From} ({B.Sid})");
        B.Step("bridge", $"connected to {A.To} ({A.Sid})");
        using var end = new CancellationTokenSource();
        var sides = new[] { TalkSideAsync(A, end.Token), TalkSideAsync(B, end.Token) };
        await Task.WhenAny(sides);
        await end.CancelAsync();
        await Task.WhenAll(sides);
        var duration = clock.Now - start;
        ended.TrySetResult(duration);
        return duration;
    }

    internal void Abandon() => ended.TrySetResult(TimeSpan.Zero);

    private async Task TalkSideAsync(CallSession side, CancellationToken end)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(end, side.Token);
        if (await clock.TryDelayAsync(TimeSpan.FromSeconds(side.Script.TalkSeconds), linked.Token))
        {
            side.HangUp($"done talking after {side.Script.TalkSeconds:0.#} s");
        }
    }
}
