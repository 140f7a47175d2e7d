using Hotline.Callbacks;
using Hotline.Needs;
using Hotline.Telephony;
using Microsoft.Extensions.Options;
using Twilio.TwiML;

namespace Hotline.Calls;

public static class VoiceEndpoints
{
    public static RouteGroupBuilder MapVoiceWebhooks(this RouteGroupBuilder twilio)
    {
        var voice = twilio.MapGroup("/voice");
        voice.MapPost("/incoming", Incoming);
        voice.MapPost("/language", Language);
        voice.MapPost("/menu", Menu);
        voice.MapPost("/queue/wait", QueueWait);
        voice.MapPost("/queue/callback", QueueCallback);
        voice.MapPost("/queue/done", QueueDone);
        voice.MapPost("/status", StatusCallbacks.Handle);
        return twilio;
    }

    static Task<TwimlResult> Incoming(IFormCollection form, VoiceWebhook hook, VoiceResponses twiml, CallStore calls, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), step =>
        {
            step.Note("incoming", step.Call.ResidentId is null ? "caller not in registry" : "registered resident", $"incoming:{step.Call.CallSid}");
            var language = step.Call.KnownLanguage;
            step.Later(calls.SetStageCommand(step.Call.Id, language is null ? CallStage.Language : CallStage.Menu));
            return twiml.Greeting(language);
        }, ct);

    static Task<TwimlResult> Language(IFormCollection form, VoiceWebhook hook, VoiceResponses twiml, CallStore calls, IOptions<IvrOptions> ivr, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), step =>
        {
            var digits = step.Form["Digits"];
            var chosen = ivr.Value.LanguageForDigit(digits);
            // One wrong key or silence: carry on in the default language rather than keep the caller in a loop.
            var language = chosen ?? ivr.Value.DefaultLanguage;
            step.Note("language", chosen is null ? $"no valid choice ({Describe(digits)}), using {language}" : language);
            step.Later(calls.SetLanguageCommand(step.Call, language));
            return twiml.Menu(null, language, attempt: 1);
        }, ct);

    static Task<TwimlResult> Menu(IFormCollection form, int? attempt, VoiceWebhook hook, VoiceResponses twiml, CallStore calls,
        NeedStore needs, CallRouting routing, IOptions<NeedOptions> needOptions, IOptions<IvrOptions> ivr, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            var digits = step.Form["Digits"];
            var category = needOptions.Value.CategoryForDigit(digits);
            if (category is null)
            {
                var failures = await calls.CountMenuFailureAsync(step.Conn, step.Tx, step.Call.Id);
                step.Note("menu_invalid", Describe(digits));
                if (failures < ivr.Value.MenuAttempts)
                {
                    return twiml.Menu(null, step.Call.KnownLanguage ?? ivr.Value.DefaultLanguage, (attempt ?? 1) + 1);
                }

                // The caller could not use the menu: a person can sort it out.
                step.Note("menu_gave_up", $"{failures} failed attempts");
                return await routing.ToOperatorsAsync(step, need: null);
            }

            step.Note("menu_choice", category);
            var need = await needs.OpenAsync(step.Conn, step.Tx, new NewNeed(
                "call", category, step.Call.FromPhone, step.Call.ResidentId, step.Call.ResidentFlags, CallId: step.Call.Id), step.Now);
            step.Note("need_opened", $"{need.Reference} {need.Category} {need.Urgency}", $"need:{step.Call.CallSid}");
            return await routing.ToOperatorsAsync(step, need);
        }, ct);

    static Task<TwimlResult> QueueWait(IFormCollection form, VoiceWebhook hook, VoiceResponses twiml, CallStore calls, IOptions<IvrOptions> ivr, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), step =>
        {
            var language = step.Call.KnownLanguage ?? ivr.Value.DefaultLanguage;
            var position = step.Form.Int("QueuePosition") ?? 1;
            var waited = step.Form.Int("QueueTime") ?? 0;
            step.Note("queue_wait", $"position {position}, waited {waited}s");
            if (waited >= ivr.Value.MaxWaitSeconds)
            {
                // Read by the queue's action (QueueDone), a step of its own.
                step.Later(calls.SetStageCommand(step.Call.Id, CallStage.QueueTimeout));
                step.Note("queue_timeout", $"waited {waited}s");
                return VoiceResponses.Leave();
            }

            return twiml.QueueWait(language, position, offerCallback: waited >= ivr.Value.OfferCallbackAfterSeconds);
        }, ct);

    static Task<TwimlResult> QueueCallback(IFormCollection form, VoiceWebhook hook, CallStore calls, CallbackRequests callbacks, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            var digits = step.Form["Digits"];
            if (digits != "1")
            {
                // Any other key: keep waiting, the wait URL plays again.
                step.Note("queue_key_ignored", Describe(digits));
                return new VoiceResponse();
            }

            // A caller who hangs up right after pressing may have been reported over (and the outcome derived) before
            // this webhook is handled; the key press still decides the outcome, recomputed after the stage. Opening the
            // callback reads neither, so both go out with the step's last round trip.
            step.Later(calls.SetStageCommand(step.Call.Id, CallStage.CallbackRequested), calls.RecomputeOutcomeCommand(step.Call.Id));
            step.Note("callback_requested", "pressed 1 while waiting");
            // Opened now, with the time of the call as its place, so it is in line before the caller has even hung up.
            await callbacks.FromQueueRequestAsync(step);
            return VoiceResponses.Leave();
        }, ct);

    static Task<TwimlResult> QueueDone(IFormCollection form, VoiceWebhook hook, VoiceResponses twiml, CallStore calls,
        CallRouting routing, CallbackRequests callbacks, IOptions<IvrOptions> ivr, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            var language = step.Call.KnownLanguage ?? ivr.Value.DefaultLanguage;
            var result = step.Form["QueueResult"] ?? "unknown";
            var waited = step.Form.Int("QueueTime");
            // Twilio may report the queue result after the call's final status; the outcome must follow it.
            var ended = await calls.LeftQueueThenRecomputeOutcomeAsync(step.Conn, step.Tx, step.Call.Id, result, waited);
            step.Note("queue_left", result == "queue-full" ? $"queue-full: the {step.Call.QueueName} queue was full" : $"{result} after {waited}s",
                $"queue_left:{step.Call.CallSid}");
            if (result == "queue-full")
            {
                routing.QueueFull(step);
            }
            // A caller who hung up may be reported over before this action arrives; what the queue did decides their callback.
            await callbacks.CallEndedAsync(step, ended);

            return (result, step.Call.Stage) switch
            {
                (_, CallStage.CallbackRequested) => twiml.CallbackConfirmed(language, step.Call.NeedReference),
                ("bridged", _) => new VoiceResponse().Hangup(),
                ("hangup", _) => new VoiceResponse(),
                // Waited too long, the queue was full or Twilio failed: the caller still gets to leave a message.
                (_, var stage) => await routing.ToVoicemailAsync(step, waitedTooLong: stage == CallStage.QueueTimeout),
            };
        }, ct);

    internal static string Describe(string? digits) => string.IsNullOrEmpty(digits) ? "no input" : $"pressed {digits}";
}
