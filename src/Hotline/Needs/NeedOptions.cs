namespace Hotline.Needs;

public sealed class NeedOptions
{
    // Keyed by category name (urgent_medical, medicine, food, meals, other).
    public Dictionary<string, CategoryOptions> Categories { get; set; } = [];

    // Deadlines for a level of urgency; a need raised to that level never gets a later deadline than these.
    public Dictionary<string, DeadlineOptions> Urgencies { get; set; } = [];

    // Resident flags that raise the urgency of their needs by one level.
    public string[] RaisingFlags { get; set; } = ["dialysis", "pregnant", "elderly_alone", "disabled"];

    public string? CategoryForDigit(string? digit) => Categories.FirstOrDefault(c => c.Value.Digit == digit).Key;
}

public sealed class CategoryOptions : DeadlineOptions
{
    public string Digit { get; set; } = "";
    public string Urgency { get; set; } = Needs.Urgency.Normal;
}

public class DeadlineOptions
{
    public int AckMinutes { get; set; } = 60;
    public int FulfilMinutes { get; set; } = 24 * 60;
}

public static class Urgency
{
    public const string Urgent = "urgent";
    public const string High = "high";
    public const string Normal = "normal";

    // Most urgent first: the order of queues, boards and callbacks.
    public static readonly string[] Order = [Urgent, High, Normal];

    public static bool IsKnown(string? value) => Order.Contains(value);

    public static string Raise(string urgency) => urgency == Normal ? High : Urgent;
}
