using System.Text.Json;
using Dapper;
using Hotline.Calls;
using Hotline.Infrastructure;
using Hotline.Needs;

namespace Hotline.Callbacks;

// Where the call flow hands over to callbacks: a voicemail, a press of 1 in the queue, and the end of every call
// (an abandoned caller gets a callback; the end of a callback's own call settles its attempt).
public sealed class CallbackRequests(CallbackStore store, CallbackOutcomes outcomes, CallbackDialer dialer, Phones phones)
{
    // needId: the voicemail's need, which this very step may have opened (the call row does not show it yet).
    public Task FromVoicemailAsync(VoiceStep step, long needId) => OpenForCallAsync(step, CallbackSource.Voicemail, needId);

    public Task FromQueueRequestAsync(VoiceStep step) => OpenForCallAsync(step, CallbackSource.QueueRequest);

    // Called by the status callback once a call's final status has been applied and its outcome recomputed, and by the
    // actions that Twilio may send after it (queue left, message recorded), with the call as that recompute left it
    // (CallStore returns it, sparing a read). Does nothing until the call has ended, and nothing twice.
    public async Task CallEndedAsync(VoiceStep step, EndedCall call)
    {
        if (!CallStatus.IsFinal(call.Status))
        {
            return;
        }

        // Only a call we placed can be a callback's attempt; an inbound call is spared the look-up.
        if (step.Call.Direction != "inbound" && await store.AttemptForCallAsync(step.Conn, step.Tx, step.Call.Id) is { } attempt)
        {
            await EndAttemptAsync(step, attempt, call);
            return;
        }

        if (call.Outcome == "answered" && step.Call.Direction == "inbound")
        {
            await WithdrawAsync(step);
            return;
        }

        var source = call.Outcome switch
        {
            "voicemail" => CallbackSource.Voicemail,
            "callback_requested" => CallbackSource.QueueRequest,
            "abandoned_in_queue" => CallbackSource.AbandonedInQueue,
            // Hanging up in the menu before saying what was needed is not a request for help.
            "abandoned_in_ivr" when call.HasNeed => CallbackSource.AbandonedInIvr,
            _ => null,
        };
        if (source is not null && step.Call.Direction == "inbound")
        {
            await OpenForCallAsync(step, source);
        }
    }

    async Task EndAttemptAsync(VoiceStep step, CallbackAttempt attempt, EndedCall call)
    {
        var answeredBy = step.Form["AnsweredBy"];
        if (answeredBy is not null)
        {
            await store.NoteAnsweredByAsync(step.Conn, step.Tx, attempt.Id, answeredBy);
        }

        if (attempt.Mode == "automatic")
        {
            if (await outcomes.ResultOfAutomaticCallAsync(step.Conn, step.Tx, step.Call.Id, answeredBy ?? attempt.AnsweredBy) is { } result)
            {
                await outcomes.EndAttemptAsync(step.Conn, step.Tx, attempt, result, call.DurationSeconds, step.Call.CallSid, step.Now, step.AfterCommit);
            }
        }
        else if (call.Status != "completed")
        {
            // The operator did not pick up: the resident was never dialled and keeps their place.
            await outcomes.EndAttemptAsync(step.Conn, step.Tx, attempt, AttemptResult.OperatorMissed, null, null, step.Now, step.AfterCommit);
        }

        // An operator call that was answered is settled by its <Dial> action, which Twilio may send after this final
        // status; if it never comes (the operator hung up during the whisper), the sweep settles it.
    }

    // Twilio may report a call's final status before the queue's action says the caller was put through to an
    // operator: the call looked abandoned and opened a callback. The caller has spoken to an operator, so the callback
    // this call opened is withdrawn. One that other requests have joined stays open for them, with a note.
    async Task WithdrawAsync(VoiceStep step)
    {
        var callId = step.Call.Id;
        var opened = await step.Conn.QuerySingleOrDefaultAsync<(long CallbackId, string Kind)?>(
            "SELECT callback_id, kind FROM callback_events WHERE dedupe_key = @key", new { key = $"request:call:{callId}" }, step.Tx);
        if (opened is not { } request)
        {
            return;
        }

        var callback = await store.GetAsync(step.Conn, step.Tx, request.CallbackId);
        if (callback is not { Status: CallbackStatus.Pending or CallbackStatus.Dialing })
        {
            return;
        }

        const string reason = "answered: the caller was put through to an operator";
        if (request.Kind == "opened" && callback.Requests == 1)
        {
            if (await store.CancelAsync(step.Conn, step.Tx, callback.Id, reason, step.Now) is null)
            {
                return;
            }

            await store.AddEventAsync(step.Conn, step.Tx, callback.Id, "cancelled", reason, null, step.Now, $"withdrawn:call:{callId}");
            await AuditLog.WriteAsync(step.Conn, step.Tx, new AuditEntry("system", null, "callback", callback.Id, "cancelled",
                JsonSerializer.Serialize(new { reason, callId }), step.Now));
            await step.RecordAsync("callback_withdrawn", $"callback {callback.Id}: {reason}", $"callback-withdrawn:{callId}");
        }
        else
        {
            await store.AddEventAsync(step.Conn, step.Tx, callback.Id, "request_answered",
                $"call {callId} was put through to an operator after all", null, step.Now, $"withdrawn:call:{callId}");
        }
    }

    async Task OpenForCallAsync(VoiceStep step, string source, long? stepNeedId = null)
    {
        var call = step.Call;
        if (call.Direction != "inbound")
        {
            return;
        }

        var phone = phones.ToE164(call.ResidentPhone);
        if (phone is null)
        {
            // A withheld number cannot be called back; the call log and the voicemail inbox still show the call.
            await step.RecordAsync("callback_impossible", "no number to call back", $"callback-impossible:{call.Id}");
            return;
        }

        var needId = call.NeedId ?? stepNeedId;
        var urgency = call.NeedUrgency
            ?? (needId is null ? null : await step.Conn.ExecuteScalarAsync<string?>("SELECT urgency FROM needs WHERE id = @needId", new { needId }, step.Tx))
            ?? Urgency.Normal;
        var opened = await store.OpenAsync(step.Conn, step.Tx, new CallbackRequest(
            phone, source, urgency, call.StartedAt, step.Now, $"request:call:{call.Id}",
            call.ResidentId, needId, call.Id, call.KnownLanguage), step.Now);
        if (opened.Repeated)
        {
            return;
        }

        step.Note(opened.Merged ? "callback_merged" : "callback_opened", $"callback {opened.Callback.Id} ({source})");
        var id = opened.Callback.Id;
        var due = opened.Callback.DueAt;
        step.AfterCommit(() => dialer.ScheduleJob(id, due));
    }
}
