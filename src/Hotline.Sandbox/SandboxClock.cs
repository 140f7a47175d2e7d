using System.Diagnostics;

namespace Hotline.Sandbox;

// Simulated time: every wait in a call (Pause, ringing, queue, talking) is a simulated span divided by Speed,
// so a ten-minute scenario can run in ten seconds without changing what the app sees in CallDuration or QueueTime.
public sealed class SandboxClock
{
    private readonly Lock gate = new();
    private long realBase = Stopwatch.GetTimestamp();
    private TimeSpan simulatedBase = TimeSpan.Zero;
    private double speed;

    public SandboxClock(double speed) => this.speed = Validate(speed);

    public double Speed
    {
        get { lock (gate) return speed; }
        set
        {
            lock (gate)
            {
                // Rebase so that simulated time stays continuous across a change of speed.
                simulatedBase = NowUnlocked();
                realBase = Stopwatch.GetTimestamp();
                speed = Validate(value);
            }
        }
    }

    public TimeSpan Now
    {
        get { lock (gate) return NowUnlocked(); }
    }

    public Task DelayAsync(TimeSpan simulated, CancellationToken ct)
    {
        if (simulated <= TimeSpan.Zero)
        {
            return ct.IsCancellationRequested ? Task.FromCanceled(ct) : Task.CompletedTask;
        }

        if (simulated == Timeout.InfiniteTimeSpan)
        {
            return Task.Delay(Timeout.Infinite, ct);
        }

        return Task.Delay(simulated / Speed, ct);
    }

    public Task DelayAsync(double simulatedSeconds, CancellationToken ct) => DelayAsync(TimeSpan.FromSeconds(simulatedSeconds), ct);

    // Waits unless interrupted; false means the token fired (a hang-up, a bridge), which is not an error here.
    public async Task<bool> TryDelayAsync(TimeSpan simulated, CancellationToken interrupt)
    {
        try
        {
            await DelayAsync(simulated, interrupt);
            return true;
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            return false;
        }
    }

    private TimeSpan NowUnlocked() => simulatedBase + Stopwatch.GetElapsedTime(realBase) * speed;

    private static double Validate(double value) =>
        value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), "Speed must be positive.");
}
