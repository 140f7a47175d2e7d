namespace Hotline.Sandbox;

// Mutable so it binds from configuration ("Sandbox" section, Sandbox__AuthToken, ...).
public sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    public string AccountSid { get; set; } = "AC_sandbox_local";
    public string AuthToken { get; set; } = "sandbox-auth-token";

    // Where the hotline app listens; relative webhook paths below resolve against it.
    public string AppBaseUrl { get; set; } = "http://127.0.0.1:5080";

    // The hotline's own number: the To of inbound calls and SMS, the default From of replies.
    public string HotlineNumber { get; set; } = "+15005550006";

    public string VoiceUrl { get; set; } = "/twilio/voice/incoming";
    public string VoiceStatusCallback { get; set; } = "/twilio/voice/status";
    public string SmsUrl { get; set; } = "/twilio/sms/incoming";

    // The number's Voice Fallback URL ("Primary handler fails"): requested, as Twilio does, when a TwiML document of
    // an inbound call cannot be fetched or parsed. Usually absolute, on another host; null = none configured.
    public string? VoiceFallbackUrl { get; set; }

    // The number's messaging fallback URL: requested when the SMS URL fails, with the same message.
    public string? SmsFallbackUrl { get; set; }

    // 1 = real time, 60 = a simulated minute per real second.
    public double Speed { get; set; } = 1.0;

    // Twilio gives a webhook 15 s of real time; not scaled by Speed.
    public double AppTimeoutSeconds { get; set; } = 15;
}
