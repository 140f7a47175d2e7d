using System.Text.Json;
using Dapper;
using Hotline.Calls;
using Hotline.Infrastructure;
using Hotline.Needs;
using Hotline.Telephony;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Callbacks;

// What an attempt's end does to its callback: completed when someone spoke to the resident long enough, back in line
// with the configured back-off when the resident did not pick up, and after the last attempt unreachable, with an
// SMS to the resident and a supervisor alerted.
public sealed class CallbackOutcomes(CallbackStore store, CallbackDialer dialer, Outbox outbox, NeedStore needs,
    IOptionsMonitor<CallbackOptions> options, IOptions<IvrOptions> ivr, IOptions<TwilioOptions> twilio, ILogger<CallbackOutcomes> logger)
{
    // An automatic call to the resident is over: what happened on it, from its row. Null while the answer is still on
    // its way: Twilio may send the final status before the <Enqueue> or <Record> action of a resident who hung up, so
    // that action settles the attempt (or, if it never comes, the sweep does with settle: true).
    public async Task<string?> ResultOfAutomaticCallAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId, string? answeredBy, bool settle = false)
    {
        // A greeting that came from the outage journal was never heard: the resident got the degraded answer.
        var call = await conn.QuerySingleAsync<(string Status, int? Duration, string Stage, string? QueueResult, bool LeftMessage, bool GreetedInOutage)>(
            """
            SELECT status, duration_seconds, stage, queue_result, EXISTS (SELECT 1 FROM voicemails v WHERE v.call_id = c.id),
                   EXISTS (SELECT 1 FROM call_events e WHERE e.call_id = c.id AND e.kind = 'callback_greeting' AND e.replayed)
            FROM calls c WHERE id = @callId
            """, new { callId }, tx);
        var awaitingAction = call is { Stage: "queue", QueueResult: null } or { Stage: "voicemail", LeftMessage: false };
        return call switch
        {
            { Status: not "completed" } => call.Status,
            _ when IsMachine(answeredBy) => AttemptResult.Machine,
            // Our outage, not the resident's doing: back in line at once, as we told them.
            { GreetedInOutage: true } => AttemptResult.Lost,
            _ when awaitingAction && !settle => null,
            { LeftMessage: true } => AttemptResult.LeftMessage,
            { QueueResult: "bridged" } when call.Duration >= options.CurrentValue.MinConnectedSeconds => AttemptResult.Connected,
            { QueueResult: "bridged" } => AttemptResult.TooShort,
            _ => AttemptResult.NotConnected,
        };
    }

    // The resident's leg of an operator-first callback, from the <Dial>'s DialCallStatus and DialCallDuration.
    public string ResultOfDial(string dialStatus, int? duration) => dialStatus switch
    {
        "completed" or "answered" when duration >= options.CurrentValue.MinConnectedSeconds => AttemptResult.Connected,
        "completed" or "answered" => AttemptResult.TooShort,
        "busy" or "no-answer" or "failed" or "canceled" => dialStatus,
        _ => AttemptResult.Failed,
    };

    public static bool IsMachine(string? answeredBy) =>
        answeredBy is not null && (answeredBy.StartsWith("machine", StringComparison.Ordinal) || answeredBy == "fax");

    public async Task EndAttemptAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CallbackAttempt attempt, string result,
        int? durationSeconds, string? residentCallSid, DateTime now, Action<Action> afterCommit)
    {
        if (await store.EndAttemptAsync(conn, tx, attempt.Id, result, durationSeconds, residentCallSid, now) is null)
        {
            return;
        }

        var callback = await store.GetAsync(conn, tx, attempt.CallbackId) ?? throw new InvalidOperationException("An attempt without its callback.");
        var config = options.CurrentValue;
        var backoff = config.Backoff;
        var failures = callback.Failures + (AttemptResult.CountsAgainstResident(result) ? 1 : 0);
        var (status, dueAt) = result switch
        {
            AttemptResult.Connected => (CallbackStatus.Completed, callback.DueAt),
            // Not the resident's doing: back in line at once, in the place they had.
            AttemptResult.OperatorMissed or AttemptResult.LeftMessage or AttemptResult.Lost => (CallbackStatus.Pending, now),
            _ when failures >= config.MaxAttempts => (CallbackStatus.Unreachable, callback.DueAt),
            _ => (CallbackStatus.Pending, now + backoff[Math.Min(failures, backoff.Length) - 1]),
        };

        var updated = await store.UpdateAfterAttemptAsync(conn, tx, callback.Id, status, result, failures, dueAt,
            waitForOperator: result == AttemptResult.LeftMessage, now);
        var detail = $"attempt {attempt.AttemptNo}: {result}{(durationSeconds is { } d ? $" after {d}s" : "")}" +
                     (status == CallbackStatus.Pending ? $", next at {dueAt:O}" : $", {status}");
        await store.AddEventAsync(conn, tx, callback.Id, "attempt_ended", detail, attempt.StaffId, now, $"attempt-ended:{attempt.Id}");
        if (updated is null)
        {
            // Cancelled while the call was under way: the attempt is recorded, the callback stays as it is.
            return;
        }

        if (status == CallbackStatus.Pending && result != AttemptResult.LeftMessage)
        {
            afterCommit(() => dialer.ScheduleJob(callback.Id, dueAt));
        }
        else if (status == CallbackStatus.Unreachable)
        {
            await GiveUpAsync(conn, tx, updated with { NeedReference = callback.NeedReference, NeedCategory = callback.NeedCategory }, now, afterCommit);
        }
    }

    async Task GiveUpAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Callback callback, DateTime now, Action<Action> afterCommit)
    {
        var alert = await AlertSupervisorAsync(conn, tx, callback, now, afterCommit);
        var prompts = ivr.Value.For(callback.Language);
        var body = prompts.CallbackUnreachableSms
            .Replace("{reference}", callback.NeedReference ?? alert.Reference)
            .Replace("{hotline}", twilio.Value.PhoneNumber);
        await outbox.QueueSmsAsync(conn, tx,
            new OutboundSms(callback.Phone, body, "callback_unreachable", $"callback-unreachable:{callback.Id}", callback.NeedId ?? alert.Id),
            twilio.Value.PhoneNumber, now);
        await store.AddEventAsync(conn, tx, callback.Id, "unreachable", $"SMS queued, supervisor alerted through need {alert.Reference}", null, now);
        await AuditLog.WriteAsync(conn, tx, new AuditEntry("system", null, "callback", callback.Id, "unreachable",
            JsonSerializer.Serialize(new { callback.Attempts, callback.Failures, callback.LastResult, AlertNeed = alert.Reference }), now));
        afterCommit(outbox.DispatchSms);
        logger.LogWarning("Callback {CallbackId} to {Phone} unreachable after {Attempts} attempts; supervisor alerted through need {Reference}",
            callback.Id, Phones.Mask(callback.Phone), callback.Attempts, alert.Reference);
    }

    // The supervisor hears of it through the escalation ladder, which works on needs: an alert need that is due at once,
    // so the on-duty level-1 supervisor gets the ladder's SMS (then its call, then the next level) until someone
    // acknowledges it. It stands apart from the resident's own need, which may be acknowledged or assigned already.
    async Task<Need> AlertSupervisorAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Callback callback, DateTime now, Action<Action> afterCommit)
    {
        var summary = $"Callback unreachable after {callback.Attempts} attempts (last: {callback.LastResult})" +
                      (callback.NeedReference is null ? "" : $" for need {callback.NeedReference}");
        var need = await needs.OpenAsync(conn, tx, new NewNeed(
            "callback", callback.NeedCategory ?? NeedPolicy.OtherCategory, callback.Phone, callback.ResidentId, [],
            Summary: summary, EscalateNow: true), now, afterCommit);
        await store.SetAlertNeedAsync(conn, tx, callback.Id, need.Id);
        return need;
    }
}
