namespace Hotline.Resilience;

// What the webhook path last saw of the database; /readyz and the replayer read it.
public sealed class DatabaseHealth(TimeProvider clock)
{
    static readonly TimeSpan Memory = TimeSpan.FromSeconds(30);
    long lastFailureTicks;

    public void Failed() => Interlocked.Exchange(ref lastFailureTicks, clock.GetUtcNow().UtcTicks);

    public bool FailedRecently => clock.GetUtcNow().UtcTicks - Interlocked.Read(ref lastFailureTicks) < Memory.Ticks;
}
