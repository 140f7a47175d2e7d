using Hotline.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Escalations;

// The safety net under the scheduled checks, and the clock of the later steps of every ladder. Every couple of
// seconds it arms a timer for each ladder step due within the look-ahead (see EscalationScheduler), and runs through
// the ladder any need that is overdue (a job lost, stranded in a queue, run early, or a process that died holding a
// timer) or whose alert just failed to go out. One instance sweeps at a time; the others skip the tick.
public sealed class EscalationSweeper(
    NpgsqlDataSource db, EscalationStore store, EscalationScheduler scheduler, IOptions<EscalationOptions> options,
    TimeProvider clock, ILogger<EscalationSweeper> logger) : BackgroundService
{
    // Arbitrary, fixed: the advisory lock that makes one sweeper at a time.
    const long LockKey = 0x48_4f_54_4c_45_53_43; // "HOTLESC"

    // A need due a moment ago is left to its timer; the sweep runs those whose timer did not come.
    static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    const int Batch = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.SweepMilliseconds), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Escalation sweep skipped: {Message}", e.Message);
            }
        }
    }

    // Returns how many needs it ran, or -1 when another instance holds the sweep.
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        // A session lock, not a transaction: the candidates' query must not keep its table locks while each need runs
        // in its own transaction, or a waiting DDL statement would queue those runs behind this one for good.
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var sweep = await SessionLock.TryTakeAsync(conn, LockKey);
        if (sweep is null)
        {
            return -1;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var candidates = await store.SweepCandidatesAsync(conn, null, now, now + EscalationScheduler.TimerWindow, Batch);
        var due = candidates.Where(c => c.Due <= now - Grace).ToList();
        foreach (var soon in candidates.Except(due))
        {
            scheduler.ArmTimer(soon.Id, soon.Due);
        }

        var written = 0;
        foreach (var need in due)
        {
            try
            {
                written += (await scheduler.RunAsync(need.Id, skipLocked: true, ct)).Written;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // One need that cannot be run must not hold up the others; it comes up again next tick.
                logger.LogError(e, "Escalation sweep could not run the ladder of need {NeedId}", need.Id);
            }
        }

        if (written > 0)
        {
            logger.LogWarning("Escalation sweep wrote {Alerts} alerts (overdue ladders or failed sends)", written);
        }

        return due.Count;
    }
}
