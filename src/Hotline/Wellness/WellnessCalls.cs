using Hangfire;
using Hotline.Calls;
using Hotline.Infrastructure;
using Hotline.Needs;
using Hotline.Telephony;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Wellness;

// The life of one wellness check: each attempt is an outbound call written to the outbox under
// 'wellness:{check}:{attempt}'; its answer (1 well, 2 help) or its final status (busy, no answer, answered without a
// key) moves the check on. Every step is a conditional change of the check row, so a job run twice, a sweep racing a
// status callback, or a callback delivered twice moves it once.
public sealed class WellnessCalls(
    NpgsqlDataSource db, WellnessStore store, NeedStore needs, Outbox outbox, IBackgroundJobClient jobs,
    IOptions<WellnessOptions> options, IOptions<TwilioOptions> twilio, TimeProvider clock, ILogger<WellnessCalls> logger)
{
    WellnessOptions Options => options.Value;

    public void Schedule(long checkId, DateTime at) =>
        jobs.Schedule<WellnessCallJob>(job => job.RunAsync(checkId, CancellationToken.None), new DateTimeOffset(at, TimeSpan.Zero));

    // Places the next attempt if it is due. Returns when a job should look again (it fired early), else null.
    public async Task<DateTime?> PlaceAttemptAsync(long checkId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var check = await store.LockAsync(conn, tx, checkId);
        if (check is not { Status: WellnessStatus.Pending })
        {
            return null;
        }

        // Hangfire runs scheduled jobs up to a second early.
        if (check.NextAttemptAt > now)
        {
            return check.NextAttemptAt;
        }

        if (await store.CalledInSinceAsync(conn, tx, check.Phone, Options.StartOf(DateOnly.FromDateTime(check.Day))))
        {
            await store.FinishAsync(conn, tx, check.Id, WellnessStatus.CalledIn, "called the hotline", needId: null, now);
            await tx.CommitAsync(ct);
            return null;
        }

        var attempt = check.Attempts + 1;
        var callId = await outbox.QueueCallAsync(conn, tx, new OutboundCall(
            check.Phone, $"/twilio/voice/wellness?check={check.Id}", WellnessNeeds.CallPurpose, WellnessNeeds.CallKey(check.Id, attempt)),
            twilio.Value.PhoneNumber, now);
        await store.AttemptPlacedAsync(conn, tx, check.Id, attempt, callId, now);
        await tx.CommitAsync(ct);
        outbox.DispatchCall(callId);
        logger.LogInformation("Wellness check {CheckId}: attempt {Attempt} to {Phone}", check.Id, attempt, Phones.Mask(check.Phone));
        return null;
    }

    // The call of an attempt is over. Pressed 1 or 2 already settled the check; anything else is no contact: try
    // again later, or after the last attempt open an urgent need for a home visit. Returns what to do once the
    // transaction has committed (schedule the next attempt, or start the ladder).
    public async Task<Action?> CallEndedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId, string callStatus, DateTime now)
    {
        var check = await store.LockCallingAsync(conn, tx, callId);
        if (check is null)
        {
            return null;
        }

        var result = callStatus switch
        {
            "completed" => "answered, no key pressed",
            "busy" => "busy",
            "no-answer" => "no answer",
            "failed" => "call failed",
            "canceled" => "call canceled",
            _ => $"no final status after {Options.CallTimeout.TotalMinutes:0} minutes",
        };
        if (check.Attempts < Options.MaxAttempts)
        {
            var at = now + Options.RetryAfter[check.Attempts - 1];
            await store.RescheduleAsync(conn, tx, check.Id, result, at, now);
            return () => Schedule(check.Id, at);
        }

        // Every try of the day has failed: nobody waits for an operator to acknowledge it, the escalation ladder alerts
        // the on-duty supervisor at once (and climbs until someone takes the home visit).
        Action? escalate = null;
        var need = await needs.OpenAsync(conn, tx, new NewNeed(
            WellnessNeeds.Source, WellnessNeeds.HomeVisitCategory, check.Phone, check.ResidentId, [],
            Summary: $"Wellness call: no contact after {check.Attempts} attempts (last: {result}). Visit the resident at home.",
            EscalateNow: true), now, action => escalate += action);
        await store.FinishAsync(conn, tx, check.Id, WellnessStatus.NotReached, result, need.Id, now);
        logger.LogWarning("Wellness check {CheckId}: {Phone} not reached after {Attempts} attempts; need {Reference} opened for a home visit",
            check.Id, Phones.Mask(check.Phone), check.Attempts, need.Reference);
        return escalate;
    }

    // For the sweep: the end of a call that the status callback did not settle (never came, or came before the row).
    public async Task SettleAsync(long callId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var status = await store.CallStatusAsync(conn, tx, callId);
        var after = await CallEndedAsync(conn, tx, callId, CallStatus.IsFinal(status) ? status! : "timeout", now);
        await tx.CommitAsync(ct);
        after?.Invoke();
    }

    // The hook in the status callbacks: a final status of a wellness call.
    public async Task OnFinalStatusAsync(VoiceStep step, string status)
    {
        if (step.Call.Direction == "inbound" || !CallStatus.IsFinal(status))
        {
            return;
        }

        if (await CallEndedAsync(step.Conn, step.Tx, step.Call.Id, status, step.Now) is { } after)
        {
            step.AfterCommit(after);
        }
    }
}

public sealed class WellnessCallJob(WellnessCalls calls)
{
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [5, 15, 30, 60, 120])]
    public async Task RunAsync(long checkId, CancellationToken ct)
    {
        if (await calls.PlaceAttemptAsync(checkId, ct) is { } notYet)
        {
            calls.Schedule(checkId, notYet);
        }
    }
}
