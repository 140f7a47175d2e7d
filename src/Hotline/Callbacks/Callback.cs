namespace Hotline.Callbacks;

public sealed record Callback
{
    public long Id { get; init; }
    public string Phone { get; init; } = "";
    public long? ResidentId { get; init; }
    public long? NeedId { get; init; }
    public long? CallId { get; init; }
    public string Source { get; init; } = "";
    public string Urgency { get; init; } = "";
    public DateTime PlaceAt { get; init; }
    public DateTime DueAt { get; init; }
    public string Status { get; init; } = "";
    public int Attempts { get; init; }
    public int Failures { get; init; }
    public string? LastResult { get; init; }
    public bool WaitForOperator { get; init; }
    public int Requests { get; init; }
    public string? Language { get; init; }
    public string? Note { get; init; }
    public long? CreatedBy { get; init; }
    public long? AssignedTo { get; init; }
    public long? AlertNeedId { get; init; }
    public DateTime? ClosedAt { get; init; }
    public string? CloseReason { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }

    // Joined in where it is read for people: the need's reference and category.
    public string? NeedReference { get; init; }
    public string? NeedCategory { get; init; }
}

public sealed record CallbackAttempt
{
    public long Id { get; init; }
    public long CallbackId { get; init; }
    public int AttemptNo { get; init; }
    public string Mode { get; init; } = "";
    public long? StaffId { get; init; }
    public long CallId { get; init; }
    public string? ResidentCallSid { get; init; }
    public string? AnsweredBy { get; init; }
    public string? Result { get; init; }
    public int? DurationSeconds { get; init; }
    public DateTime StartedAt { get; init; }
    public DateTime? EndedAt { get; init; }
}

public sealed record CallbackEvent
{
    public long Id { get; init; }
    public long CallbackId { get; init; }
    public string Kind { get; init; } = "";
    public string? Detail { get; init; }
    public long? StaffId { get; init; }
    public DateTime OccurredAt { get; init; }
}

public sealed record WaitingCaller
{
    public long CallId { get; init; }
    public string Urgency { get; init; } = "";
    public DateTime StartedAt { get; init; }

    // A callback never goes ahead of a caller who called before it at the same or a higher urgency.
    public bool IsAheadOf(Callback callback) =>
        (Array.IndexOf(Needs.Urgency.Order, Urgency), StartedAt).CompareTo((Array.IndexOf(Needs.Urgency.Order, callback.Urgency), callback.PlaceAt)) < 0;
}

// A request for a callback, from a call or from the console. DedupeKey makes repeated reports of one request a no-op.
public sealed record CallbackRequest(
    string Phone, string Source, string Urgency, DateTime PlaceAt, DateTime DueAt, string DedupeKey,
    long? ResidentId = null, long? NeedId = null, long? CallId = null, string? Language = null, string? Note = null, long? StaffId = null);

public sealed record OpenedCallback(Callback Callback, bool Merged, bool Repeated);

public static class CallbackStatus
{
    public const string Pending = "pending";
    public const string Dialing = "dialing";
    public const string Completed = "completed";
    public const string Unreachable = "unreachable";
    public const string Cancelled = "cancelled";

    public static readonly string[] All = [Pending, Dialing, Completed, Unreachable, Cancelled];
}

public static class CallbackSource
{
    public const string Voicemail = "voicemail";
    public const string AbandonedInIvr = "abandoned_in_ivr";
    public const string AbandonedInQueue = "abandoned_in_queue";
    public const string QueueRequest = "queue_request";
    public const string Console = "console";
}

// What one attempt came to. Connected completes the callback; the resident's failures are retried with back-off;
// the rest put it back in line without counting against the resident.
public static class AttemptResult
{
    public const string Connected = "connected";
    public const string Busy = "busy";
    public const string NoAnswer = "no-answer";
    public const string Failed = "failed";
    public const string Canceled = "canceled";
    public const string Machine = "machine";
    public const string TooShort = "too_short";
    public const string NotConnected = "not_connected";
    public const string LeftMessage = "left_message";
    public const string OperatorMissed = "operator_missed";
    public const string Lost = "lost";

    public static bool CountsAgainstResident(string result) => result is not (Connected or LeftMessage or OperatorMissed or Lost);
}
