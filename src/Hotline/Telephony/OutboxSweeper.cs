using Dapper;
using Npgsql;

namespace Hotline.Telephony;

// Hands on whatever the normal path did not: calls queued by a transaction whose job was never enqueued (the process
// died in between), and claims of calls and messages left behind by a worker that died mid-send. (Pending messages
// need no sweep: the SMS pump polls for them.) Several instances may sweep at once;
// the claim in OutboxDelivery keeps that harmless.
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
        var messages = (await conn.QueryAsync<long>(OutboxTable.Messages.RependStragglers)).AsList();
        var calls = (await conn.QueryAsync<long>(OutboxTable.Calls.RependStragglers)).AsList();
        if (messages.Count > 0)
        {
            outbox.DispatchSms();
        }

        calls.ForEach(outbox.DispatchCall);
        if (messages.Count > 0 || calls.Count > 0)
        {
            logger.LogInformation("Outbox sweep handed on {Messages} messages and {Calls} calls", messages.Count, calls.Count);
        }
    }
}
