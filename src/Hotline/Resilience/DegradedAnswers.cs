using Hotline.Calls;
using Hotline.Telephony;
using Microsoft.Extensions.Options;
using Twilio.TwiML;
using Twilio.TwiML.Voice;

namespace Hotline.Resilience;

// What a caller hears while the database is unreachable. Nothing here reads or writes the database: the caller is
// taken to voicemail, which keeps working, and everything they do is journaled for later.
public sealed class DegradedAnswers(IOptions<IvrOptions> ivr)
{
    public TwimlResult For(string path) => path switch
    {
        "/twilio/voice/status" or "/twilio/voice/voicemail/recording-status" or "/twilio/voice/voicemail/transcription"
            or "/twilio/sms/status" => TwimlResult.Empty,
        "/twilio/sms/incoming" => TwimlResult.From(new MessagingResponse().Message(Each(p => p.DegradedSms))),
        // Inside the queue's wait music only a few verbs are allowed: keep the caller waiting.
        "/twilio/voice/queue/wait" => TwimlResult.From(Say(new VoiceResponse(), p => p.QueuePleaseHold).Pause(length: ivr.Value.WaitPauseSeconds)),
        "/twilio/voice/queue/callback" => TwimlResult.From(new VoiceResponse().Leave()),
        "/twilio/voice/voicemail/recorded" => TwimlResult.From(Say(new VoiceResponse(), p => p.DegradedThanks).Hangup()),
        _ when path.StartsWith("/twilio/voice/", StringComparison.Ordinal) => TwimlResult.From(Voicemail()),
        _ => TwimlResult.Empty,
    };

    public VoiceResponse Voicemail()
    {
        var response = Say(new VoiceResponse(), p => p.DegradedVoicemail);
        response.Record(
            action: new Uri("/twilio/voice/voicemail/recorded", UriKind.Relative),
            maxLength: ivr.Value.VoicemailMaxSeconds,
            playBeep: true,
            finishOnKey: "#",
            transcribe: true,
            transcribeCallback: new Uri("/twilio/voice/voicemail/transcription", UriKind.Relative),
            recordingStatusCallback: new Uri("/twilio/voice/voicemail/recording-status", UriKind.Relative));
        return Say(response, p => p.VoicemailMissing).Hangup();
    }

    // The caller's language is in the database too, so every language is spoken, the default first.
    VoiceResponse Say(VoiceResponse response, Func<LanguagePrompts, string> prompt)
    {
        foreach (var prompts in Languages())
        {
            response.Say(prompt(prompts), voice: prompts.Voice, language: prompts.SayLanguage);
        }

        return response;
    }

    string Each(Func<LanguagePrompts, string> prompt) => string.Join(" / ", Languages().Select(prompt));

    IEnumerable<LanguagePrompts> Languages() =>
        ivr.Value.Languages.OrderBy(l => l.Key == ivr.Value.DefaultLanguage ? 0 : 1).Select(l => l.Value);
}
