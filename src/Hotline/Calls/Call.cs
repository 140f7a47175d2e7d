namespace Hotline.Calls;

// One row of calls, with what the voice flow needs to know about the caller and their need.
public sealed record Call
{
    public long Id { get; init; }
    public string CallSid { get; init; } = "";
    public string Direction { get; init; } = "";
    public string FromPhone { get; init; } = "";
    public string ToPhone { get; init; } = "";
    public long? ResidentId { get; init; }
    public string? Language { get; init; }
    public string Stage { get; init; } = "";
    public int MenuFailures { get; init; }
    public string Status { get; init; } = "";
    public string? Outcome { get; init; }
    public string? QueueName { get; init; }
    public DateTime StartedAt { get; init; }

    public string? ResidentLanguage { get; init; }
    public string[] ResidentFlags { get; init; } = [];
    public long? NeedId { get; init; }
    public string? NeedReference { get; init; }
    public string? NeedUrgency { get; init; }

    public string? KnownLanguage => Language ?? ResidentLanguage;

    // The resident's end of the call: who called us, or whom we called.
    public string ResidentPhone => Direction == "inbound" ? FromPhone : ToPhone;
}

public static class CallStage
{
    public const string Greeting = "greeting";
    public const string Language = "language";
    public const string Menu = "menu";
    public const string Queue = "queue";
    public const string QueueTimeout = "queue_timeout";
    public const string CallbackRequested = "callback_requested";
    public const string Voicemail = "voicemail";
    public const string Answered = "answered";
}

public static class CallStatus
{
    public static readonly string[] Final = ["completed", "busy", "no-answer", "failed", "canceled"];

    public static bool IsFinal(string? status) => Final.Contains(status);
}
