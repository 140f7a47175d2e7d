using Hotline.Calls;
using Hotline.Telephony;
using Hotline.Wellness;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Twilio.TwiML;
using Twilio.TwiML.Voice;

namespace Hotline.Resilience;

// What a caller hears while the database is unreachable. Nothing here reads or writes the database: a step whose
// answer needs only what Twilio sends (the queue's wait, key press and end; a wellness call's question and answer) is
// answered as usual but in every language, the rest go to the voicemail, which keeps working, and everything the
// caller does is journaled for later.
public sealed class DegradedAnswers(IOptions<IvrOptions> ivr, VoiceResponses twiml, WellnessResponses wellness)
{
    public TwimlResult For(string path, string query, IFormCollection form) => path switch
    {
        "/twilio/voice/status" or "/twilio/voice/voicemail/recording-status" or "/twilio/voice/voicemail/transcription"
            or "/twilio/sms/status" => TwimlResult.Empty,
        "/twilio/sms/incoming" => TwimlResult.From(new MessagingResponse().Message(Each(p => p.DegradedSms))),
        "/twilio/voice/queue/wait" => TwimlResult.From(QueueWait(new TwilioForm(form).Int("QueueTime") ?? 0)),
        "/twilio/voice/queue/callback" => TwimlResult.From(QueueKeyPress(new TwilioForm(form)["Digits"])),
        "/twilio/voice/queue/done" => TwimlResult.From(QueueLeft(new TwilioForm(form)["QueueResult"])),
        "/twilio/voice/wellness" or "/twilio/voice/wellness/answer" => TwimlResult.From(Wellness(path, QueryHelpers.ParseQuery(query), form)),
        // A resident picking up our callback: they are told we will call again, and the attempt does not count against
        // them (CallbackOutcomes).
        "/twilio/callbacks/resident" => TwimlResult.From(Say(new VoiceResponse(), p => p.DegradedCallbackLater).Hangup()),
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

    // The queue's own decisions need only what Twilio sends: how long the caller has waited. So they hold without the
    // database too. Past Ivr:MaxWaitSeconds the caller leaves the queue, and its action (answered here as well) takes
    // the voicemail. Past Ivr:OfferCallbackAfterSeconds pressing 1 asks for a callback, journaled like the rest.
    // (Answered with holding music alone, a caller who waited through a stall could not press 1: CI, 2026-12-07.)
    // Inside the queue's wait music only a few verbs are allowed: Say, Pause, Gather and Leave are among them.
    VoiceResponse QueueWait(int waitedSeconds)
    {
        if (waitedSeconds >= ivr.Value.MaxWaitSeconds)
        {
            return VoiceResponses.Leave();
        }

        if (waitedSeconds < ivr.Value.OfferCallbackAfterSeconds)
        {
            return Say(new VoiceResponse(), p => p.QueuePleaseHold).Pause(length: ivr.Value.WaitPauseSeconds);
        }

        var offer = twiml.KeyPress("/twilio/voice/queue/callback");
        foreach (var prompts in Languages())
        {
            offer.Say(prompts.QueuePleaseHold + " " + prompts.OfferCallback, voice: prompts.Voice, language: prompts.SayLanguage);
        }

        offer.Pause(length: ivr.Value.WaitPauseSeconds);
        return new VoiceResponse().Append(offer);
    }

    // Pressing 1 in the queue asks for a callback, and the journal keeps that request: the caller hears it is taken and
    // the call ends, from the wait document itself (Say and Hangup are allowed there). The usual way, leaving the queue
    // for its action to confirm with the need's reference, would reach a degraded action too, which can only offer the
    // voicemail. Any other key keeps the caller waiting, as QueueCallback does.
    VoiceResponse QueueKeyPress(string? digits) =>
        digits == "1" ? Say(new VoiceResponse(), p => p.DegradedCallbackConfirmed).Hangup() : new VoiceResponse();

    // What the queue did is in the request, so its action answers as QueueDone would: a caller put through to an
    // operator is done when the operator hangs up (not asked for a voicemail after the conversation), one who hung up
    // hears nothing, and the rest (waited too long, queue full, Twilio's error) get the voicemail.
    VoiceResponse QueueLeft(string? result) => result switch
    {
        "bridged" => new VoiceResponse().Hangup(),
        "hangup" => new VoiceResponse(),
        _ => Voicemail(),
    };

    // A resident answering a wellness call: the check and the attempt are in the URL, so the question and its answers
    // need no database. Pressing 2 for help takes them to the voicemail to say what they need; the replay opens the
    // urgent need as it would have.
    VoiceResponse Wellness(string path, Dictionary<string, StringValues> query, IFormCollection form)
    {
        if (!long.TryParse(query.GetValueOrDefault("check"), out var check))
        {
            return Voicemail();
        }

        if (path == "/twilio/voice/wellness")
        {
            return wellness.Ask(Languages(), check, attempt: 1);
        }

        return new TwilioForm(form)["Digits"] switch
        {
            "1" => wellness.Well(Languages()),
            "2" => Voicemail(),
            _ => wellness.AskAgainOrGoodbye(Languages(), check, int.TryParse(query.GetValueOrDefault("attempt"), out var attempt) ? attempt : null),
        };
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
