namespace Hotline.Reports;

// The last 24 hours in figures. Stored as jsonb, so a figure added later is simply missing from older reports.
public sealed record DailyFigures
{
    public DateTime PeriodStart { get; init; }
    public DateTime PeriodEnd { get; init; }
    public string TimeZone { get; init; } = "";
    public CallFigures Calls { get; init; } = new();
    public int Voicemails { get; init; }
    public CallbackFigures Callbacks { get; init; } = new();
    public NeedFigures Needs { get; init; } = new();
    public AnswerTimes AnswerTimes { get; init; } = new();
    public DeadlineFigures UrgentAcknowledgement { get; init; } = new();
    public WellnessFigures Wellness { get; init; } = new();
    // Inbound calls per hour, the first hour starting at PeriodStart; labels are local times.
    public IReadOnlyList<HourCount> CallsPerHour { get; init; } = [];
}

public sealed record CallFigures
{
    public int Received { get; init; }
    public int Answered { get; init; }
    public int AbandonedInMenu { get; init; }
    public int AbandonedInQueue { get; init; }
    public int Voicemail { get; init; }
    public int CallbackRequested { get; init; }
    public int Missed { get; init; }
    public int StillOpen { get; init; }
    public int Abandoned => AbandonedInMenu + AbandonedInQueue;
}

// Nullable because reports stored before callbacks were counted have null here: "not counted" is not "none made".
public sealed record CallbackFigures
{
    public int? Made { get; init; }
    public int? Completed { get; init; }
}

public sealed record NeedFigures
{
    public int Opened { get; init; }
    public IReadOnlyDictionary<string, int> OpenedByCategory { get; init; } = new Dictionary<string, int>();
    public int Resolved { get; init; }
    public IReadOnlyDictionary<string, int> ResolvedByOutcome { get; init; } = new Dictionary<string, int>();
    public int TripsArranged { get; init; }
    public int MedicineDelivered { get; init; }
    public int FoodParcelsDelivered { get; init; }
}

// From joining a queue to an operator picking up, for answered inbound calls.
public sealed record AnswerTimes
{
    public int Calls { get; init; }
    public double? MedianSeconds { get; init; }
    public double? P90Seconds { get; init; }
}

// Urgent needs opened in the period whose deadline has passed or that were acknowledged, and how many of them were
// acknowledged by their deadline.
public sealed record DeadlineFigures
{
    public int Due { get; init; }
    public int Kept { get; init; }
    public double? Share { get; init; }
}

public sealed record WellnessFigures
{
    public int CallsPlaced { get; init; }
    public int Well { get; init; }
    public int NeedsHelp { get; init; }
    public int NotReached { get; init; }
    public int CalledIn { get; init; }
}

public sealed record HourCount(string Hour, int Calls);

public sealed record DailyReport(string Day, DateTime GeneratedAt, DailyFigures Figures);

// The resolutions that the report names, as the console's need desk records them.
public static class Resolutions
{
    public const string TripArranged = "trip_arranged";
    public const string MedicineDelivered = "medicine_delivered";
    public const string FoodParcelDelivered = "food_delivered";
}
