using System.Collections.Concurrent;
using Hangfire;

namespace Hotline.Escalations;

// Gets a need's ladder looked at when it is due, to well under a second.
//
// Hangfire keeps the schedule durable and shared by every instance, but it is not precise: the schedule is kept in
// whole seconds, and under load its scheduler moves due jobs to the queue seconds late (measured here: p50 2.8 s,
// p99 7 s at 50 deadlines/s on a busy 2-core machine). So the job is scheduled well ahead of the deadline and only
// hands the need to an in-process timer, which fires on the deadline itself. The timer lives in this process only;
// should the process die, the sweep finds the need once it is overdue.
public sealed class EscalationScheduler(
    IBackgroundJobClient jobs, EscalationRunner runner, TimeProvider clock, IHostApplicationLifetime lifetime, ILogger<EscalationScheduler> logger)
{
    // How far ahead of the deadline the job is scheduled: more than Hangfire is ever late under load.
    static readonly TimeSpan Lead = TimeSpan.FromSeconds(30);

    // Deadlines closer than this are left to the timer straight away.
    static readonly TimeSpan TimerWindow = TimeSpan.FromSeconds(40);

    // The earliest timer armed for each need in this process: one is enough, it arms the next when it has run.
    readonly ConcurrentDictionary<long, DateTime> armed = new();

    // A need has become urgent (created so, or raised) or was acknowledged: look at its ladder at the deadline.
    // Never throws: the need is recorded whatever happens here, and the sweep is the safety net.
    public void Watch(long needId, DateTime dueAt)
    {
        try
        {
            Arm(needId, dueAt);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not schedule the escalation check of need {NeedId}; the sweep will pick it up", needId);
        }
    }

    // Runs the ladder of a need and arranges the next look. skipLocked: leave a need alone that another run holds.
    public async Task<LadderRun> RunAsync(long needId, bool skipLocked, CancellationToken ct)
    {
        var run = await runner.RunAsync(needId, skipLocked, ct);
        // Each write is a step of the ladder that happens once, so each schedules the next look once. A run that
        // found nothing to do (another run was first) leaves the next look to the one that wrote, unless it is
        // about to be due, which only costs a timer.
        if (run.NextAt is { } next && (run.Written > 0 || next - Now <= TimerWindow))
        {
            Watch(needId, next);
        }

        return run;
    }

    // For the job that comes ahead of its deadline: the timer takes it from here, without touching the database.
    public void ArmTimer(long needId, DateTime dueAt)
    {
        if (ClaimTimer(needId, dueAt))
        {
            _ = FireAsync(needId, dueAt);
        }
    }

    void Arm(long needId, DateTime dueAt)
    {
        if (dueAt - Now <= TimerWindow)
        {
            ArmTimer(needId, dueAt);
        }
        else
        {
            jobs.Schedule<EscalationJob>(job => job.RunAsync(needId, dueAt, CancellationToken.None), new DateTimeOffset(dueAt - Lead, TimeSpan.Zero));
        }
    }

    // False when a timer for this need fires at that time or sooner already.
    bool ClaimTimer(long needId, DateTime dueAt)
    {
        while (true)
        {
            if (armed.TryAdd(needId, dueAt))
            {
                return true;
            }

            if (armed.TryGetValue(needId, out var earlier))
            {
                if (earlier <= dueAt)
                {
                    return false;
                }

                if (armed.TryUpdate(needId, dueAt, earlier))
                {
                    return true;
                }
            }
        }
    }

    async Task FireAsync(long needId, DateTime dueAt)
    {
        var stopping = lifetime.ApplicationStopping;
        try
        {
            var wait = dueAt - Now;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, clock, stopping);
            }

            armed.TryRemove(new KeyValuePair<long, DateTime>(needId, dueAt));
            await RunAsync(needId, skipLocked: false, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "Escalation check of need {NeedId} failed; the sweep will retry it", needId);
        }
    }

    DateTime Now => clock.GetUtcNow().UtcDateTime;
}

// The durable half of a deadline: scheduled ahead of it (see EscalationScheduler), it hands the need to this
// instance's timer. Run late, or run again by a retry, it looks at the ladder itself; that is safe any number of times.
[Queue("alerts")]
[AutomaticRetry(Attempts = 3, DelaysInSeconds = [1, 5, 15])]
public sealed class EscalationJob(EscalationScheduler scheduler, TimeProvider clock)
{
    public async Task RunAsync(long needId, DateTime dueAt, CancellationToken ct)
    {
        if (dueAt > clock.GetUtcNow().UtcDateTime)
        {
            scheduler.ArmTimer(needId, dueAt);
            return;
        }

        await scheduler.RunAsync(needId, skipLocked: false, ct);
    }
}
