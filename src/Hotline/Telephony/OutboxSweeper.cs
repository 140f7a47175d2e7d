using Dapper;
using Npgsql;

namespace Hotline.Telephony;

// Hands on whatever the normal path did not: rows queued by a transaction whose job was never enqueued (the process
// died in between), and claims left behind by a worker that died mid-send. Several instances may sweep at once;
// the claim in each delivery job keeps that harmless.
public sealed class OutboxSweeper(NpgsqlDataSource db, Outbox outbox, ILogger<OutboxSweeper> logger) : BackgroundService
{
    static readonly TimeSpan Every = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever went wrong (usually the database being away), the sweeper must live to sweep again.
                logger.LogWarning("Outbox sweep skipped: {Message}", e.Message);
            }
        }
    }

    public async Task SweepAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        // A claim older than this was left by a worker that died; sending again risks a duplicate, but losing an alert
        // or a callback is worse.
        var messages = await conn.QueryAsync<long>(
            """
            UPDATE messages SET status = 'pending', updated_at = now()
            WHERE (status = 'dispatching' AND updated_at < now() - interval '2 minutes')
               OR (status = 'pending' AND updated_at < now() - interval '10 seconds')
            RETURNING id
            """);
        var calls = await conn.QueryAsync<long>(
            """
            UPDATE calls SET status = 'pending', updated_at = now()
            WHERE ((status = 'dispatching' AND updated_at < now() - interval '2 minutes')
               OR (status = 'pending' AND updated_at < now() - interval '10 seconds'))
              AND call_sid IS NULL -- Twilio placed it (its TwiML bound the SID): the reconciliation sweep settles it
            RETURNING id
            """);
        foreach (var id in messages)
        {
            outbox.DispatchSms(id);
        }

        foreach (var id in calls)
        {
            outbox.DispatchCall(id);
        }

        if (messages.Any() || calls.Any())
        {
            logger.LogInformation("Outbox sweep handed on {Messages} messages and {Calls} calls", messages.Count(), calls.Count());
        }
    }
}
