namespace Hotline.Escalations;

// One row of escalations: an alert sent (or a level found empty) about a need.
public sealed record Alert
{
    public long Id { get; init; }
    public long NeedId { get; init; }
    public string Kind { get; init; } = "";
    public int Step { get; init; }
    public int Level { get; init; }
    public string Channel { get; init; } = "";
    public long? RecipientId { get; init; }
    public string Status { get; init; } = "";
    public long? MessageId { get; init; }
    public long? CallId { get; init; }
    public DateTime DueAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? SentAt { get; init; }
    public DateTime? CancelledAt { get; init; }
}

// What the ladder needs to know about a need.
public sealed record LadderNeed
{
    public long Id { get; init; }
    public string Reference { get; init; } = "";
    public string Category { get; init; } = "";
    public string Urgency { get; init; } = "";
    public string Status { get; init; } = "";
    public string Phone { get; init; } = "";
    public DateTime AckDeadline { get; init; }
    public DateTime FulfilDeadline { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? AcknowledgedAt { get; init; }
    public long? AcknowledgedBy { get; init; }
    public long? AssignedTo { get; init; }
    public DateTime? FulfilAcknowledgedAt { get; init; }
    public DateTime? EscalationDueAt { get; init; }

    // Who answers for an acknowledged need: whoever it was assigned to, else whoever acknowledged it.
    public long? OwnerId => AssignedTo ?? AcknowledgedBy;
}

// Staff on duty with a place on the ladder (and a phone to reach them on).
public sealed record LadderMember
{
    public long Id { get; init; }
    public int Level { get; init; }
}

public static class AlertKind
{
    public const string Ack = "ack";
    public const string Fulfil = "fulfil";
}

public static class AlertChannel
{
    public const string Sms = "sms";
    public const string Voice = "voice";
    // A level with nobody on duty.
    public const string None = "none";
}

public static class AlertStatus
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string EmptyLevel = "empty_level";

    public static readonly string[] All = [Pending, Sent, Delivered, Failed, Cancelled, EmptyLevel];
}
