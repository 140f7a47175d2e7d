namespace Hotline.Needs;

public sealed record Need
{
    public long Id { get; init; }
    public string Reference { get; init; } = "";
    public long? CallId { get; init; }
    public long? MessageId { get; init; }
    public long? ResidentId { get; init; }
    public string Phone { get; init; } = "";
    public string Source { get; init; } = "";
    public string Category { get; init; } = "";
    public string Urgency { get; init; } = "";
    public string Status { get; init; } = "";
    public string? Summary { get; init; }
    public DateTime AckDeadline { get; init; }
    public DateTime FulfilDeadline { get; init; }
    public DateTime? AcknowledgedAt { get; init; }
    public long? AcknowledgedBy { get; init; }
    public long? AssignedTo { get; init; }
    public DateTime? ResolvedAt { get; init; }
    public string? Resolution { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

// What a webhook knows when it opens a need. Urgency, when given, is the least urgency the need gets (a wellness
// call that found a resident in need is urgent whatever the category says). EscalateNow: the need is opened because
// the hotline has already tried and failed (a callback or a wellness call that never reached the resident), so there
// is no acknowledgement deadline to wait out: it is urgent, due now, and the escalation ladder alerts a supervisor
// at once.
public sealed record NewNeed(
    string Source, string Category, string Phone, long? ResidentId, string[] ResidentFlags,
    long? CallId = null, long? MessageId = null, string? Summary = null, string? Urgency = null, bool EscalateNow = false);
