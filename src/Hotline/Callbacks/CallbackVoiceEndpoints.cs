using Dapper;
using Hotline.Calls;
using Hotline.Needs;
using Hotline.Telephony;
using Hotline.Voicemails;
using Microsoft.Extensions.Options;
using Twilio.TwiML;
using Twilio.TwiML.Voice;

namespace Hotline.Callbacks;

// The TwiML of a callback's own calls. Operator-first: the operator's phone hears the need, then <Dial> rings the
// resident and its action reports the resident's leg. Automatic: the resident hears their reference and presses 1
// to be put through, or to leave a message while nobody is on duty.
public static class CallbackVoiceEndpoints
{
    public static RouteGroupBuilder MapCallbackWebhooks(this RouteGroupBuilder twilio)
    {
        var callbacks = twilio.MapGroup("/callbacks");
        callbacks.MapPost("/operator", OperatorAnswered);
        callbacks.MapPost("/operator/dialed", Dialed);
        callbacks.MapPost("/resident", ResidentAnswered);
        callbacks.MapPost("/resident/choice", ResidentChoice);
        callbacks.MapPost("/resident/recorded", ResidentRecorded);
        return twilio;
    }

    static Task<TwimlResult> OperatorAnswered(IFormCollection form, long callback, int attempt, VoiceWebhook hook, CallbackStore store,
        IOptions<IvrOptions> ivr, IOptionsMonitor<CallbackOptions> options, IOptions<TwilioOptions> twilio, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            var (cb, a) = await LoadAsync(step, store, callback, attempt);
            var language = await step.Conn.ExecuteScalarAsync<string?>("SELECT language FROM staff WHERE id = @StaffId", a, step.Tx);
            var prompts = ivr.Value.For(language);
            if (cb.Status != CallbackStatus.Dialing || a.Result is not null)
            {
                return Say(new VoiceResponse(), prompts, prompts.CallbackClosed).Hangup();
            }

            await step.RecordAsync("callback_whisper", $"callback {cb.Id} attempt {a.AttemptNo}", $"callback-whisper:{a.Id}");
            var whisper = prompts.CallbackWhisper
                .Replace("{reference}", cb.NeedReference is null ? "-" : ReferenceCode.Spoken(cb.NeedReference))
                .Replace("{category}", prompts.CategoryName(cb.NeedCategory ?? NeedPolicy.OtherCategory))
                .Replace("{urgency}", cb.Urgency)
                .Replace("{source}", cb.Source.Replace('_', ' '));
            var response = Say(new VoiceResponse(), prompts, whisper);
            var dial = new Dial(
                action: new Uri($"/twilio/callbacks/operator/dialed?callback={cb.Id}&attempt={a.AttemptNo}", UriKind.Relative),
                timeout: options.CurrentValue.RingSeconds, callerId: twilio.Value.PhoneNumber);
            dial.Number(new Twilio.Types.PhoneNumber(cb.Phone));
            return response.Append(dial);
        }, ct);

    static Task<TwimlResult> Dialed(IFormCollection form, long callback, int attempt, VoiceWebhook hook, CallbackStore store,
        CallbackOutcomes outcomes, IOptions<IvrOptions> ivr, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            var (_, a) = await LoadAsync(step, store, callback, attempt);
            var status = step.Form["DialCallStatus"] ?? "failed";
            var duration = step.Form.Int("DialCallDuration");
            await step.RecordAsync("callback_dialed", $"{status}, {duration}s", $"callback-dialed:{a.Id}");
            await outcomes.EndAttemptAsync(step.Conn, step.Tx, a, outcomes.ResultOfDial(status, duration), duration,
                step.Form["DialCallSid"], step.Now, step.AfterCommit);
            var language = await step.Conn.ExecuteScalarAsync<string?>("SELECT language FROM staff WHERE id = @StaffId", a, step.Tx);
            return Say(new VoiceResponse(), ivr.Value.For(language), ivr.Value.For(language).Goodbye).Hangup();
        }, ct);

    static Task<TwimlResult> ResidentAnswered(IFormCollection form, long callback, int attempt, VoiceWebhook hook, CallbackStore store,
        IOptions<IvrOptions> ivr, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            var (cb, a) = await LoadAsync(step, store, callback, attempt);
            var prompts = ivr.Value.For(cb.Language);
            var answeredBy = step.Form["AnsweredBy"];
            if (answeredBy is not null)
            {
                await store.NoteAnsweredByAsync(step.Conn, step.Tx, a.Id, answeredBy);
            }

            if (cb.Status != CallbackStatus.Dialing || a.Result is not null || CallbackOutcomes.IsMachine(answeredBy))
            {
                // A machine would only record our voice; the attempt ends as not reached and is retried.
                await step.RecordAsync("callback_hangup", answeredBy ?? cb.Status);
                return new VoiceResponse().Hangup();
            }

            await step.RecordAsync("callback_greeting", $"callback {cb.Id} attempt {a.AttemptNo}", $"callback-greeting:{a.Id}");
            var gather = new Gather(input: [Gather.InputEnum.Dtmf], numDigits: 1, timeout: ivr.Value.GatherTimeoutSeconds,
                action: new Uri($"/twilio/callbacks/resident/choice?callback={cb.Id}&attempt={a.AttemptNo}", UriKind.Relative));
            // Said twice: the first words are often lost while the phone comes to the ear.
            var greeting = prompts.CallbackGreeting.Replace("{reference}", cb.NeedReference is null ? "" : ReferenceCode.Spoken(cb.NeedReference));
            gather.Say(greeting, voice: prompts.Voice, language: prompts.SayLanguage);
            gather.Pause(length: 1);
            gather.Say(greeting, voice: prompts.Voice, language: prompts.SayLanguage);
            return Say(new VoiceResponse().Append(gather), prompts, prompts.Goodbye).Hangup();
        }, ct);

    static Task<TwimlResult> ResidentChoice(IFormCollection form, long callback, int attempt, VoiceWebhook hook, CallbackStore store,
        CallStore calls, VoiceResponses twiml, IOptions<IvrOptions> ivr, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            var (cb, a) = await LoadAsync(step, store, callback, attempt);
            var language = cb.Language is not null && ivr.Value.Languages.ContainsKey(cb.Language) ? cb.Language : ivr.Value.DefaultLanguage;
            if (step.Form["Digits"] != "1")
            {
                await step.RecordAsync("callback_declined", VoiceEndpoints.Describe(step.Form["Digits"]));
                return twiml.Goodbye(language);
            }

            if (await CallbackDialer.AnyOperatorOnDutyAsync(step.Conn, step.Tx))
            {
                // Twilio queues are first in, first out, so "the front of the line" is a matter of which queue: the
                // urgent queue is always taken before the general one, so a resident called back waits behind urgent
                // callers only, never behind the general callers who came after them. They called long before anyone
                // now waiting in the general queue, so this keeps their place rather than jumping it.
                await calls.EnqueuedAsync(step.Conn, step.Tx, step.Call.Id, CallRouting.UrgentQueue, step.Now);
                await step.RecordAsync("enqueued", CallRouting.UrgentQueue, $"enqueued:{step.Call.CallSid}");
                return twiml.Enqueue(language, CallRouting.UrgentQueue, reference: null);
            }

            step.Later(calls.SetStageCommand(step.Call.Id, CallStage.Voicemail));
            await step.RecordAsync("voicemail_offered", "callback while nobody on duty");
            return twiml.Voicemail(language, nobodyOnDuty: true, waitedTooLong: false,
                recordedAction: $"/twilio/callbacks/resident/recorded?callback={cb.Id}&attempt={a.AttemptNo}");
        }, ct);

    // The resident's message goes with their need into the voicemail inbox; the callback waits for an operator.
    static Task<TwimlResult> ResidentRecorded(IFormCollection form, long callback, int attempt, VoiceWebhook hook, CallbackStore store,
        VoicemailStore voicemails, CallStore calls, CallbackRequests requests, VoiceResponses twiml, IOptions<IvrOptions> ivr, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            var (cb, _) = await LoadAsync(step, store, callback, attempt);
            var recordingSid = step.Form.Required("RecordingSid");
            if (recordingSid.Length > 64)
            {
                throw new BadWebhookException("RecordingSid is too long.");
            }

            if (await step.RecordAsync("recorded", recordingSid, $"recorded:{recordingSid}"))
            {
                await voicemails.UpsertAsync(step.Conn, step.Tx, new VoicemailUpdate(step.Call.Id, cb.NeedId, recordingSid,
                    step.Form["RecordingUrl"], step.Form.Int("RecordingDuration"), null, null, null, step.Now));
                var ended = await calls.RecomputeOutcomeAsync(step.Conn, step.Tx, step.Call.Id);
                await store.AddEventAsync(step.Conn, step.Tx, cb.Id, "message_left", recordingSid, null, step.Now);
                await requests.CallEndedAsync(step, ended);
            }

            return twiml.VoicemailThanks(cb.Language ?? ivr.Value.DefaultLanguage, cb.NeedReference);
        }, ct);

    // The callback and attempt named in the URL, which must be this call's: a forged or stale URL changes nothing.
    static async Task<(Callback, CallbackAttempt)> LoadAsync(VoiceStep step, CallbackStore store, long callbackId, int attemptNo)
    {
        var attempt = await store.AttemptAsync(step.Conn, step.Tx, callbackId, attemptNo);
        if (attempt is null || attempt.CallId != step.Call.Id)
        {
            throw new BadWebhookException("This call is not that callback attempt.");
        }

        var callback = await store.GetAsync(step.Conn, step.Tx, callbackId) ?? throw new BadWebhookException("No such callback.");
        return (callback, attempt);
    }

    static VoiceResponse Say(VoiceResponse response, LanguagePrompts prompts, string text) =>
        response.Say(text, voice: prompts.Voice, language: prompts.SayLanguage);
}
