using Microsoft.Extensions.Options;

namespace Hotline.Needs;

public sealed record Assessment(string Urgency, DateTime AckDeadline, DateTime FulfilDeadline);

public sealed class NeedPolicy(IOptions<NeedOptions> options)
{
    public const string OtherCategory = "other";

    public bool IsCategory(string? category) => category is not null && options.Value.Categories.ContainsKey(category);

    // Urgency comes from the category and goes up one level for a registered vulnerable resident. The deadline is
    // the category's own, or the new level's when that is sooner.
    public Assessment Assess(string category, IReadOnlyCollection<string> residentFlags, DateTime now, string? atLeast = null)
    {
        var config = options.Value;
        var categoryOptions = config.Categories.GetValueOrDefault(category) ?? config.Categories[OtherCategory];
        var urgency = residentFlags.Any(config.RaisingFlags.Contains) ? Urgency.Raise(categoryOptions.Urgency) : categoryOptions.Urgency;
        if (Urgency.IsKnown(atLeast) && Array.IndexOf(Urgency.Order, atLeast) < Array.IndexOf(Urgency.Order, urgency))
        {
            urgency = atLeast!;
        }

        var ackMinutes = categoryOptions.AckMinutes;
        var fulfilMinutes = categoryOptions.FulfilMinutes;
        if (config.Urgencies.TryGetValue(urgency, out var level))
        {
            ackMinutes = Math.Min(ackMinutes, level.AckMinutes);
            fulfilMinutes = Math.Min(fulfilMinutes, level.FulfilMinutes);
        }

        return new Assessment(urgency, now.AddMinutes(ackMinutes), now.AddMinutes(fulfilMinutes));
    }
}
