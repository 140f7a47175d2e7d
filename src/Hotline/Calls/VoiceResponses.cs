using Hotline.Needs;
using Microsoft.Extensions.Options;
using Twilio.TwiML;
using Twilio.TwiML.Voice;

namespace Hotline.Calls;

// The TwiML of each step of the call flow, in the caller's language. Action URLs are relative: Twilio resolves
// them against the URL it just called, which keeps signatures right behind a proxy.
public sealed class VoiceResponses(IOptions<IvrOptions> options)
{
    IvrOptions Ivr => options.Value;

    public VoiceResponse Greeting(string? language)
    {
        var response = new VoiceResponse();
        if (language is null)
        {
            // We do not know which language the caller speaks yet: the notice goes out in every one.
            foreach (var prompts in Ivr.Languages.Values)
            {
                Say(response, prompts, prompts.Emergency);
            }

            return ChooseLanguage(response);
        }

        Say(response, Ivr.For(language), Ivr.For(language).Emergency);
        return Menu(response, language, attempt: 1);
    }

    public VoiceResponse ChooseLanguage(VoiceResponse? response = null)
    {
        response ??= new VoiceResponse();
        var gather = KeyPress("/twilio/voice/language");
        foreach (var prompts in Ivr.Languages.Values)
        {
            SayIn(gather, prompts, prompts.ChooseLanguage);
        }

        response.Append(gather);
        // No choice: carry on in the default language rather than lose the caller.
        response.Redirect(new Uri("/twilio/voice/language?timeout=1", UriKind.Relative));
        return response;
    }

    public VoiceResponse Menu(VoiceResponse? response, string language, int attempt)
    {
        response ??= new VoiceResponse();
        var prompts = Ivr.For(language);
        var gather = KeyPress($"/twilio/voice/menu?attempt={attempt}");
        SayIn(gather, prompts, attempt == 1 ? prompts.Menu : prompts.MenuRetry + " " + prompts.Menu);
        response.Append(gather);
        response.Redirect(new Uri($"/twilio/voice/menu?attempt={attempt}&timeout=1", UriKind.Relative));
        return response;
    }

    public VoiceResponse Enqueue(string language, string queue, string? reference)
    {
        var response = new VoiceResponse();
        var prompts = Ivr.For(language);
        if (reference is not null)
        {
            Say(response, prompts, Fill(prompts.NeedRecorded, reference));
        }

        response.Enqueue(queue, action: new Uri("/twilio/voice/queue/done", UriKind.Relative),
            waitUrl: new Uri("/twilio/voice/queue/wait", UriKind.Relative));
        return response;
    }

    public VoiceResponse QueueWait(string language, int position, bool offerCallback)
    {
        var response = new VoiceResponse();
        var prompts = Ivr.For(language);
        var position_ = prompts.QueuePosition.Replace("{position}", position.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (offerCallback)
        {
            var gather = KeyPress("/twilio/voice/queue/callback");
            SayIn(gather, prompts, position_ + " " + prompts.OfferCallback);
            gather.Pause(length: Ivr.WaitPauseSeconds);
            response.Append(gather);
        }
        else
        {
            Say(response, prompts, position_);
            response.Pause(length: Ivr.WaitPauseSeconds);
        }

        return response;
    }

    public static VoiceResponse Leave() => new VoiceResponse().Leave();

    public VoiceResponse CallbackConfirmed(string language, string? reference) =>
        Goodbye(language, Fill(Ivr.For(language).CallbackConfirmed, reference));

    // recordedAction: where the recording goes when it is not the inbound flow's voicemail (a callback's message).
    public VoiceResponse Voicemail(string language, bool nobodyOnDuty, bool waitedTooLong, string recordedAction = "/twilio/voice/voicemail/recorded")
    {
        var response = new VoiceResponse();
        var prompts = Ivr.For(language);
        if (waitedTooLong)
        {
            Say(response, prompts, prompts.WaitTooLong);
        }
        else if (nobodyOnDuty)
        {
            Say(response, prompts, prompts.NoOperators);
        }

        Say(response, prompts, prompts.VoicemailPrompt);
        response.Record(
            action: new Uri(recordedAction, UriKind.Relative),
            maxLength: Ivr.VoicemailMaxSeconds,
            playBeep: true,
            finishOnKey: "#",
            transcribe: true,
            transcribeCallback: new Uri("/twilio/voice/voicemail/transcription", UriKind.Relative),
            recordingStatusCallback: new Uri("/twilio/voice/voicemail/recording-status", UriKind.Relative));
        // <Record> skips its action when nothing was recorded, and the call goes on here.
        Say(response, prompts, prompts.VoicemailMissing);
        response.Hangup();
        return response;
    }

    public VoiceResponse VoicemailThanks(string language, string? reference) =>
        Goodbye(language, Fill(Ivr.For(language).VoicemailThanks, reference));

    public VoiceResponse Goodbye(string language, string? text = null)
    {
        var response = new VoiceResponse();
        var prompts = Ivr.For(language);
        Say(response, prompts, text ?? prompts.Goodbye);
        return response.Hangup();
    }

    static string Fill(string template, string? reference) =>
        template.Replace("{reference}", reference is null ? "" : ReferenceCode.Spoken(reference));

    // One key, pressed within Ivr:GatherTimeoutSeconds, posted to action.
    public Gather KeyPress(string action) =>
        new(input: [Gather.InputEnum.Dtmf], action: new Uri(action, UriKind.Relative), numDigits: 1, timeout: Ivr.GatherTimeoutSeconds);

    static void Say(VoiceResponse response, LanguagePrompts prompts, string text) =>
        response.Say(text, voice: prompts.Voice, language: prompts.SayLanguage);

    static void SayIn(Gather gather, LanguagePrompts prompts, string text) =>
        gather.Say(text, voice: prompts.Voice, language: prompts.SayLanguage);
}
