namespace Hotline.Wellness;

public sealed record WellnessCheck
{
    public long Id { get; init; }
    public long ResidentId { get; init; }
    public DateTime Day { get; init; }
    public string Phone { get; init; } = "";
    public string Status { get; init; } = "";
    public int Attempts { get; init; }
    public DateTime? NextAttemptAt { get; init; }
    public long? CallId { get; init; }
    public string? LastResult { get; init; }
    public long? NeedId { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public DateTime? CompletedAt { get; init; }
}

public static class WellnessStatus
{
    // Waiting for its next attempt (next_attempt_at).
    public const string Pending = "pending";
    // An attempt's call is out; its answer or its final status decides what comes next.
    public const string Calling = "calling";
    public const string Well = "well";
    public const string NeedsHelp = "needs_help";
    public const string NotReached = "not_reached";
    // The resident called the hotline that day, so nobody rings them.
    public const string CalledIn = "called_in";
}

public static class WellnessNeeds
{
    public const string Source = "wellness";
    // The resident pressed 2.
    public const string HelpCategory = "wellness_help";
    // Nobody answered any attempt: someone has to go and knock on the door.
    public const string HomeVisitCategory = "home_visit";
    public const string CallPurpose = "wellness";

    public static string CallKey(long checkId, int attempt) => $"wellness:{checkId}:{attempt}";
}
