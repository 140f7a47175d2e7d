using Hangfire;
using Npgsql;

namespace Hotline.Callbacks;

// Calls one due resident back automatically. Safe to run twice or on two instances at once: the claim in
// CallbackDialer lets one run through and the others return without dialling.
[Queue("default")]
[AutomaticRetry(Attempts = 5, DelaysInSeconds = [2, 5, 15, 30, 60])]
public sealed class CallbackJob(NpgsqlDataSource db, CallbackStore store, CallbackDialer dialer, TimeProvider clock, ILogger<CallbackJob> logger)
{
    public async Task RunAsync(long callbackId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        var callback = await store.GetAsync(conn, null, callbackId);
        if (callback is null || callback.Status != CallbackStatus.Pending || callback.WaitForOperator)
        {
            return;
        }

        if (callback.DueAt > now)
        {
            // Scheduled jobs can fire up to a second early: come back when it is really due.
            dialer.ScheduleJob(callbackId, callback.DueAt);
            return;
        }

        await using var tx = await conn.BeginTransactionAsync(ct);
        if (!await dialer.IsAutomaticNowAsync(conn, tx))
        {
            // Operators work it from the console; the sweep looks again if the mode or the duty roster changes.
            return;
        }

        if (await store.FirstWaitingCallerAsync(conn, tx, now) is { } waiting && waiting.IsAheadOf(callback))
        {
            // The resident would go to the front of the urgent queue: not while someone who called before them waits.
            // The sweep hands the callback on again once the queue has moved.
            return;
        }

        var started = await dialer.StartAutomaticAsync(conn, tx, callbackId, now);
        await tx.CommitAsync(ct);
        if (started is not null)
        {
            logger.LogInformation("Callback {CallbackId} attempt {Attempt} dialling automatically", callbackId, started.AttemptNo);
            dialer.Dispatch(started);
        }
    }
}
