using Hotline.Calls;
using Hotline.Telephony;
using Twilio.TwiML;
using Twilio.TwiML.Voice;

namespace Hotline.Escalations;

// The voice alert: Twilio fetches this when the staff member answers the call the ladder placed. It reads the need
// and takes "1" as the acknowledgement of that person.
public static class AlertCallEndpoints
{
    const int Attempts = 2;

    public static RouteGroupBuilder MapEscalationWebhooks(this RouteGroupBuilder twilio)
    {
        var alerts = twilio.MapGroup("/escalations");
        alerts.MapPost("/alert", Alert);
        alerts.MapPost("/alert/answer", Answer);
        return twilio;
    }

    static Task<TwimlResult> Alert(IFormCollection form, int? attempt, VoiceWebhook hook, EscalationStore store, AlertTexts texts, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            var alert = await store.ForCallAsync(step.Conn, step.Tx, step.Call.Id);
            var need = alert is null ? null : await store.FindNeedAsync(step.Conn, step.Tx, alert.NeedId);
            if (alert is null || need is null)
            {
                await step.RecordAsync("escalation_alert_unknown", "no alert belongs to this call");
                return new VoiceResponse().Hangup();
            }

            var prompts = texts.For(alert.RecipientLanguage);
            if (EscalationLadder.ActiveKind(need) != alert.Kind)
            {
                await step.RecordAsync("escalation_alert_moot", $"need {need.Reference} no longer waits");
                return Goodbye(prompts, AlertTexts.WithReference(prompts.AlertAlreadyHandled, need.Reference, spoken: true));
            }

            await step.RecordAsync("escalation_alert_read", $"need {need.Reference} {alert.Kind} step {alert.Step} level {alert.Level}");
            var response = new VoiceResponse();
            var gather = new Gather(input: [Gather.InputEnum.Dtmf], numDigits: 1, timeout: 8,
                action: new Uri($"/twilio/escalations/alert/answer?attempt={attempt ?? 1}", UriKind.Relative));
            gather.Say(texts.Call(need, alert.Kind, alert.RecipientLanguage, step.Now), voice: prompts.Voice, language: prompts.SayLanguage);
            response.Append(gather);
            // No key at all: the alert stays open and the ladder goes on.
            response.Say(prompts.AlertNotAcknowledged, voice: prompts.Voice, language: prompts.SayLanguage);
            return response.Hangup();
        }, ct);

    static Task<TwimlResult> Answer(IFormCollection form, int? attempt, VoiceWebhook hook, EscalationStore store, Acknowledgements acks,
        AlertTexts texts, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            var alert = await store.ForCallAsync(step.Conn, step.Tx, step.Call.Id);
            if (alert is null)
            {
                await step.RecordAsync("escalation_alert_unknown", "no alert belongs to this call");
                return new VoiceResponse().Hangup();
            }

            var prompts = texts.For(alert.RecipientLanguage);
            var digits = step.Form["Digits"];
            if (digits != "1")
            {
                await step.RecordAsync("escalation_alert_key", VoiceEndpoints.Describe(digits));
                return (attempt ?? 1) < Attempts
                    ? new VoiceResponse().Redirect(new Uri($"/twilio/escalations/alert?attempt={(attempt ?? 1) + 1}", UriKind.Relative))
                    : Goodbye(prompts, prompts.AlertNotAcknowledged);
            }

            var result = await acks.AcknowledgeAsync(step.Conn, step.Tx, alert.NeedId, alert.RecipientId, "staff:" + alert.RecipientUsername, Acknowledgements.ViaVoice, step.Now);
            await step.RecordAsync("escalation_acknowledged", $"{result.Outcome} by staff {alert.RecipientId}", $"escalation_ack:{step.Call.CallSid}");
            step.AfterCommit(() => acks.AfterCommit(result));
            var reference = result.Need?.Reference ?? "";
            return Goodbye(prompts, AlertTexts.WithReference(result.Changed ? prompts.AlertAcknowledged : prompts.AlertAlreadyHandled, reference, spoken: true));
        }, ct);

    static VoiceResponse Goodbye(LanguagePrompts prompts, string text) =>
        new VoiceResponse().Say(text, voice: prompts.Voice, language: prompts.SayLanguage).Hangup();
}
