using System.ComponentModel.DataAnnotations;

namespace Hotline.Calls;

// Everything a caller hears comes from configuration, per language, so wording can change without a release.
public sealed class IvrOptions
{
    [Required]
    public string DefaultLanguage { get; set; } = "zh-CN";

    [Range(1, 30)]
    public int GatherTimeoutSeconds { get; set; } = 6;

    // Wrong or missing digits before the caller is put through to a person anyway.
    [Range(1, 5)]
    public int MenuAttempts { get; set; } = 2;

    [Range(5, 3600)]
    public int OfferCallbackAfterSeconds { get; set; } = 60;

    [Range(10, 7200)]
    public int MaxWaitSeconds { get; set; } = 600;

    [Range(1, 120)]
    public int WaitPauseSeconds { get; set; } = 20;

    [Range(10, 120)]
    public int VoicemailMaxSeconds { get; set; } = 120;

    // Callers each of our Twilio queues holds (Telephony/QueueProvisioner sets it); a caller beyond it is sent to
    // voicemail. Twilio's own default for a queue that <Enqueue> creates is 100, its ceiling 5000.
    [Range(1, 5000)]
    public int QueueMaxSize { get; set; } = 1000;

    public Dictionary<string, LanguagePrompts> Languages { get; set; } = [];

    public LanguagePrompts For(string? language) =>
        language is not null && Languages.TryGetValue(language, out var prompts) ? prompts : Languages[DefaultLanguage];

    public string? LanguageForDigit(string? digit) =>
        Languages.FirstOrDefault(l => l.Value.Digit == digit).Key;
}

public sealed class LanguagePrompts
{
    public string Digit { get; set; } = "";
    public string Voice { get; set; } = "";
    // The language attribute of <Say>, which for some voices differs from ours (zh-CN is "cmn-CN" for Polly).
    public string SayLanguage { get; set; } = "";
    public string Emergency { get; set; } = "";
    public string ChooseLanguage { get; set; } = "";
    public string Menu { get; set; } = "";
    public string MenuRetry { get; set; } = "";
    public string NeedRecorded { get; set; } = "";
    public string QueuePosition { get; set; } = "";
    public string OfferCallback { get; set; } = "";
    public string CallbackConfirmed { get; set; } = "";
    public string NoOperators { get; set; } = "";
    public string WaitTooLong { get; set; } = "";
    public string VoicemailPrompt { get; set; } = "";
    public string VoicemailMissing { get; set; } = "";
    public string VoicemailThanks { get; set; } = "";
    public string SmsReceived { get; set; } = "";
    public string VoicemailSms { get; set; } = "";
    public string Goodbye { get; set; } = "";
    public string DegradedVoicemail { get; set; } = "";
    public string DegradedThanks { get; set; } = "";
    public string DegradedCallbackConfirmed { get; set; } = "";
    public string DegradedCallbackLater { get; set; } = "";
    public string DegradedSms { get; set; } = "";
    public string QueuePleaseHold { get; set; } = "";
    public string WellnessPrompt { get; set; } = "";
    public string WellnessThanks { get; set; } = "";

    // Callbacks: what the resident hears when the hotline calls them back ({reference}), what the operator hears before
    // being put through ({reference}, {category}, {urgency}, {source}), and the SMS when nobody could reach them
    // ({reference}, {hotline}).
    public string CallbackGreeting { get; set; } = "";
    public string CallbackWhisper { get; set; } = "";
    public string CallbackClosed { get; set; } = "";
    public string CallbackUnreachableSms { get; set; } = "";
    // Heard by an operator who pressed "take next call", before the caller is put through.
    public string OperatorWhisper { get; set; } = "";
    public string OperatorUrgentQueue { get; set; } = "";
    public string OperatorGeneralQueue { get; set; } = "";
    public string OperatorNobodyWaiting { get; set; } = "";

    // Escalation alerts to staff, and the answers to their acknowledgements.
    public string EscalationSms { get; set; } = "";
    public string FulfilSms { get; set; } = "";
    public string EscalationCall { get; set; } = "";
    public string FulfilCall { get; set; } = "";
    public string AlertAcknowledged { get; set; } = "";
    public string AlertAlreadyHandled { get; set; } = "";
    public string AlertNotAcknowledged { get; set; } = "";
    public string AckSmsDone { get; set; } = "";
    public string AckSmsAlready { get; set; } = "";
    public string AckSmsUnknownCode { get; set; } = "";
    public string AckSmsHowTo { get; set; } = "";
    public string AckSmsNotStaff { get; set; } = "";

    // What staff hear and read for a need category (urgent_medical → "urgent medical"); a category without a name
    // here is shown as its key with spaces, so a new category never blanks an alert. The console labels the same
    // categories in wwwroot/console/i18n.js (cat.*); the words are kept the same in both.
    public Dictionary<string, string> CategoryNames { get; set; } = [];

    public string CategoryName(string category) =>
        CategoryNames.TryGetValue(category, out var name) && name.Length > 0 ? name : category.Replace('_', ' ');
}
