using System.Globalization;
using Hotline.Callbacks;
using Hotline.Telephony;
using Hotline.Wellness;

namespace Hotline.Calls;

// Twilio's call status callbacks may repeat and may arrive out of order; each (CallSid, SequenceNumber) is applied
// once and a final status is never overwritten.
public static class StatusCallbacks
{
    static readonly string[] KnownStatuses = ["queued", "initiated", "ringing", "in-progress", .. CallStatus.Final];

    public static Task<TwimlResult> Handle(IFormCollection form, VoiceWebhook hook, CallStore calls, CallbackRequests callbacks, WellnessCalls wellness,
        CancellationToken ct)
    {
        var fields = new TwilioForm(form);
        var status = fields.Required("CallStatus");
        if (!KnownStatuses.Contains(status))
        {
            throw new BadWebhookException($"CallStatus '{Clip(status)}' is not a Twilio call status.");
        }

        return hook.RunAsync(fields, step => ApplyAsync(step, status, calls, callbacks, wellness), ct);
    }

    // Also the path of a status fetched from Twilio's REST API by the reconciliation sweep (its form is built to look
    // like this callback's), so a call settled either way ends in the same state. The final-status hooks run only in
    // the step that moved the call into its final state: a callback arriving after the sweep settled the call, or a
    // sweep racing a callback, finds it final already and changes nothing.
    public static async Task<Twilio.TwiML.TwiML> ApplyAsync(VoiceStep step, string status, CallStore calls, CallbackRequests callbacks,
        WellnessCalls wellness)
    {
        var sequence = step.Form.Int("SequenceNumber") ?? -1;
        // The update need not know whether the event is new: a repeated callback changes nothing, as a final status is
        // never overwritten and a live one only by a later sequence number. So the event is only noted; it goes out
        // with the step's next round trip after the update, and a status step costs three round trips, not four.
        step.Note("status", status, $"status:{step.Call.CallSid}:{sequence}:{status}");
        var at = DateTime.TryParse(step.Form["Timestamp"], CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var stamped) ? stamped : step.Now;
        var applied = await calls.ApplyStatusThenRecomputeOutcomeAsync(step.Conn, step.Tx, step.Call.Id,
            new StatusUpdate(status, sequence, step.Form.Int("CallDuration"), CallStatus.IsFinal(status), at));
        if (applied.Changed && CallStatus.IsFinal(status))
        {
            await wellness.OnFinalStatusAsync(step, status);
            // The wellness hook changes neither the call nor its need, so the call as the update left it still holds.
            await callbacks.CallEndedAsync(step, applied.Call);
        }

        return new Twilio.TwiML.VoiceResponse();
    }

    internal static string Clip(string value) => value.Length > 40 ? value[..40] + "…" : value;
}
