using Dapper;
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
        // A session lock, not a transaction: the candidates' query must not keep its table locks while each need runs
        // in its own transaction, or a waiting DDL statement would queue those runs behind this one for good.
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!await conn.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_lock(@LockKey)", new { LockKey }))
        {
            return -1;
        }

        try
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var due = await store.SweepCandidatesAsync(conn, null, now, now - Grace, Batch);
            var written = 0;
            foreach (var needId in due)
            {
                written += (await scheduler.RunAsync(needId, skipLocked: true, ct)).Written;
            }

            if (written > 0)
            {
                logger.LogWarning("Escalation sweep wrote {Alerts} alerts (overdue ladders or failed sends)", written);
            }

            return due.Count;
        }
        finally
        {
            await conn.ExecuteAsync("SELECT pg_advisory_unlock(@LockKey)", new { LockKey });
        }
    }
}
