using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Escalations;

// The safety net under the scheduled checks: every couple of seconds, any need whose ladder is overdue (a job lost,
// stranded in a queue, run early, or a process that died holding a timer) or whose alert just failed to go out is run
// through the same ladder. One instance sweeps at a time; the others skip the tick.
public sealed class EscalationSweeper(
    NpgsqlDataSource db, EscalationStore store, EscalationScheduler scheduler, IOptions<EscalationOptions> options,
    TimeProvider clock, ILogger<EscalationSweeper> logger) : BackgroundService
{
    // Arbitrary, fixed: the advisory lock that makes one sweeper at a time.
    const long LockKey = 0x48_4f_54_4c_45_53_43; // "HOTLESC"

    // A need due a moment ago is left to its job and timer; the sweep is for those that did not come.
    static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    const int Batch = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunSweep)
        {
            return;
        }

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
        IReadOnlyList<long> due;
        await using (var conn = await db.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            if (!await Dapper.SqlMapper.ExecuteScalarAsync<bool>(conn, "SELECT pg_try_advisory_xact_lock(@LockKey)", new { LockKey }, tx))
            {
                return -1;
            }

            var now = clock.GetUtcNow().UtcDateTime;
            due = await store.SweepCandidatesAsync(conn, tx, now, now - Grace, Batch);

            // Each need runs in its own transaction; the advisory lock stays held on this one until they are done.
            var written = 0;
            foreach (var needId in due)
            {
                written += (await scheduler.RunAsync(needId, skipLocked: true, ct)).Written;
            }

            await tx.CommitAsync(ct);
            if (written > 0)
            {
                logger.LogWarning("Escalation sweep wrote {Alerts} alerts (overdue ladders or failed sends)", written);
            }
        }

        return due.Count;
    }
}
