using Hotline.Calls;
using Hotline.Telephony;

namespace Hotline.Resilience;

// The number's Voice Fallback URL: Twilio calls it when our Voice URL failed or timed out. It needs no database:
// the request is journaled and the caller goes to voicemail. Replayed later, it records what happened on the call.
public static class FallbackEndpoint
{
    public static RouteGroupBuilder MapFallback(this RouteGroupBuilder twilio)
    {
        twilio.MapPost("/voice/fallback", Fallback);
        return twilio;
    }

    static async Task<TwimlResult> Fallback(
        IFormCollection form, HttpContext http, WebhookJournal journal, DegradedAnswers answers, VoiceWebhook hook, CallStore calls,
        TimeProvider clock, CancellationToken ct)
    {
        var fields = new TwilioForm(form);
        var callSid = fields.Required("CallSid");
        if (!http.Items.ContainsKey(VoiceWebhook.ReplayMarker))
        {
            journal.Append(new JournalEntry(
                http.Request.Path.Value ?? "", http.Request.QueryString.Value ?? "", form.ToDictionary(f => f.Key, f => f.Value.ToString()),
                http.Request.Headers[WebhookReceiptFilter.TokenHeader].FirstOrDefault(), clock.GetUtcNow().UtcDateTime, "fallback"));
            return TwimlResult.From(answers.Voicemail());
        }

        return await hook.RunAsync(fields, async step =>
        {
            await step.RecordAsync("fallback", $"Twilio error {fields["ErrorCode"]} on {fields["ErrorUrl"]}", $"fallback:{callSid}:{fields["ErrorUrl"]}");
            await calls.SetStageAsync(step.Conn, step.Tx, step.Call.Id, CallStage.Voicemail);
            return new Twilio.TwiML.VoiceResponse();
        }, ct);
    }
}
