using Dapper;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Callbacks;

// Backs the scheduled jobs so that no callback is forgotten: hands due callbacks to the job in working order while
// calls are automatic, and settles attempts whose end was never reported (a lost status callback, a call that Twilio
// refused, an operator who hung up during the whisper). One instance sweeps at a time.
public sealed class CallbackSweeper(NpgsqlDataSource db, CallbackStore store, CallbackDialer dialer, CallbackOutcomes outcomes,
    IBackgroundJobClient jobs, IOptionsMonitor<CallbackOptions> options, TimeProvider clock, ILogger<CallbackSweeper> logger) : BackgroundService
{
    const long SweepLockKey = 7_245_304;

    // An answered operator call's <Dial> action may come after its final status; give it this long.
    static readonly TimeSpan SettleGrace = TimeSpan.FromSeconds(60);

    // No call to a resident lasts this long; an attempt still open by then lost its final status (a status webhook
    // that failed, a call Twilio never reported on) and is put back in line rather than left dialling for ever.
    static readonly TimeSpan LostAfter = TimeSpan.FromHours(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(options.CurrentValue.SweepSeconds), clock, stoppingToken);
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Callback sweep skipped: {Message}", e.Message);
            }
        }
    }

    public async Task SweepAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var after = new List<Action>();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            if (!await conn.ExecuteScalarAsync<bool>($"SELECT pg_try_advisory_xact_lock({SweepLockKey})", transaction: tx))
            {
                return;
            }

            await SettleLostAttemptsAsync(conn, tx, now, after.Add);
            await HandOnDueAsync(conn, tx, now);
            await tx.CommitAsync(ct);
        }

        after.ForEach(action => action());
    }

    async Task SettleLostAttemptsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, DateTime now, Action<Action> afterCommit)
    {
        var lost = await conn.QueryAsync<(long AttemptId, long CallId, string CallStatus, int? Duration)>(
            """
            SELECT a.id, c.id, c.status, c.duration_seconds
            FROM callbacks cb
            JOIN callback_attempts a ON a.callback_id = cb.id AND a.attempt_no = cb.attempts
            JOIN calls c ON c.id = a.call_id
            WHERE cb.status = 'dialing' AND a.result IS NULL
              AND ((c.status IN ('completed', 'busy', 'no-answer', 'failed', 'canceled') AND coalesce(c.ended_at, c.updated_at) < @settled)
                   OR a.started_at < @lost)
            LIMIT 100
            """, new { settled = now - SettleGrace, lost = now - LostAfter }, tx);
        foreach (var (attemptId, callId, callStatus, duration) in lost)
        {
            var attempt = await store.AttemptForCallAsync(conn, tx, callId);
            if (attempt is null)
            {
                continue;
            }

            var result = !Calls.CallStatus.IsFinal(callStatus) ? AttemptResult.Lost
                : attempt.Mode == "automatic"
                    ? await outcomes.ResultOfAutomaticCallAsync(conn, tx, callId, attempt.AnsweredBy, settle: true) ?? AttemptResult.NotConnected
                    : AttemptResult.OperatorMissed;
            logger.LogWarning("Callback attempt {AttemptId} settled by the sweep: call {CallStatus}, {Result}", attemptId, callStatus, result);
            await outcomes.EndAttemptAsync(conn, tx, attempt, result, attempt.Mode == "automatic" ? duration : null, null, now, afterCommit);
        }
    }

    // Only as many automatic calls as configured run at once; the rest wait their turn in working order.
    async Task HandOnDueAsync(NpgsqlConnection conn, NpgsqlTransaction tx, DateTime now)
    {
        if (!await dialer.IsAutomaticNowAsync(conn, tx))
        {
            return;
        }

        var dialing = await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM callbacks WHERE status = 'dialing'", transaction: tx);
        var free = options.CurrentValue.MaxConcurrentAutomatic - dialing;
        if (free <= 0)
        {
            return;
        }

        foreach (var due in await store.NextDueAsync(conn, tx, now, forOperator: false, free))
        {
            jobs.Enqueue<CallbackJob>(job => job.RunAsync(due.Id, CancellationToken.None));
        }
    }
}
