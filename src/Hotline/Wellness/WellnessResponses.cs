using Hotline.Calls;
using Twilio.TwiML;

namespace Hotline.Wellness;

// The wellness call's TwiML in the languages given: the resident's own, or every language when the database, which
// knows it, is away (DegradedAnswers).
public sealed class WellnessResponses(VoiceResponses twiml)
{
    // Asked twice at most; then the check stays open and the call's end counts as no contact, to be tried again.
    const int Prompts = 2;

    // "Press 1 if you are well. Press 2 if you need help."
    public VoiceResponse Ask(IEnumerable<LanguagePrompts> languages, long check, int attempt)
    {
        var action = $"/twilio/voice/wellness/answer?check={check}&attempt={attempt}";
        var gather = twiml.KeyPress(action);
        foreach (var prompts in languages)
        {
            gather.Say(attempt > 1 ? prompts.MenuRetry + " " + prompts.WellnessPrompt : prompts.WellnessPrompt,
                voice: prompts.Voice, language: prompts.SayLanguage);
        }

        var response = new VoiceResponse();
        response.Append(gather);
        // No key at all: the answer endpoint hears "no input" and asks again or says goodbye.
        response.Redirect(new Uri(action + "&timeout=1", UriKind.Relative));
        return response;
    }

    // Neither 1 nor 2 (or no key): the question again, or goodbye after the last attempt.
    public VoiceResponse AskAgainOrGoodbye(IEnumerable<LanguagePrompts> languages, long check, int? attempt) =>
        (attempt ?? 1) < Prompts ? Ask(languages, check, (attempt ?? 1) + 1) : Say(languages, p => p.Goodbye);

    public VoiceResponse Well(IEnumerable<LanguagePrompts> languages) => Say(languages, p => p.WellnessThanks);

    static VoiceResponse Say(IEnumerable<LanguagePrompts> languages, Func<LanguagePrompts, string> text)
    {
        var response = new VoiceResponse();
        foreach (var prompts in languages)
        {
            response.Say(text(prompts), voice: prompts.Voice, language: prompts.SayLanguage);
        }

        return response.Hangup();
    }
}
