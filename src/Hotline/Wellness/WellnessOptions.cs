using System.ComponentModel.DataAnnotations;
using Hotline.Residents;
using Microsoft.Extensions.Options;

namespace Hotline.Wellness;

// Arrays have no defaults here: the configuration binder appends to a default array instead of replacing it.
public sealed class WellnessOptions
{
    public bool Enabled { get; set; } = true;

    // Cron in TimeZone, e.g. every morning at 09:00 in Asia/Shanghai.
    [Required]
    public string Cron { get; set; } = "0 9 * * *";

    [Required]
    public string TimeZone { get; set; } = "Asia/Shanghai";

    // Residents with any of these flags get the call (appsettings: elderly_alone).
    public string[] Flags { get; set; } = [];

    // The wait before each further attempt after a busy line, no answer or no key pressed; attempts = 1 + its length.
    public TimeSpan[] RetryAfter { get; set; } = [];

    // The share of Twilio:CallsPerSecond a round may use: alerts and callbacks need the rest.
    [Range(0.01, 1)]
    public double RateShare { get; set; } = 0.5;

    // A call still not over after this long is taken as unanswered (its final status never reached us).
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromMinutes(30);

    // How often the sweep looks for attempts that are due but were not placed, and calls whose end we missed.
    [Range(1, 3600)]
    public int SweepSeconds { get; set; } = 15;

    public int MaxAttempts => 1 + RetryAfter.Length;

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    public DateOnly Today(DateTime utcNow) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(utcNow, Zone));

    // The instant a local day starts, in UTC (a day that starts inside a DST gap starts at the end of the gap).
    public DateTime StartOf(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (Zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        return TimeZoneInfo.ConvertTimeToUtc(local, Zone);
    }
}

public sealed class WellnessOptionsValidation : IValidateOptions<WellnessOptions>
{
    public ValidateOptionsResult Validate(string? name, WellnessOptions options)
    {
        var errors = new List<string>();
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _))
        {
            errors.Add($"Wellness:TimeZone '{options.TimeZone}' is not a time zone of this machine.");
        }

        if (options.Enabled && options.Flags.Length == 0)
        {
            errors.Add("Wellness:Flags must name at least one resident flag (e.g. elderly_alone).");
        }

        errors.AddRange(options.Flags.Where(f => !ResidentVocabulary.FlagPattern().IsMatch(f))
            .Select(f => $"Wellness:Flags: '{f}' is not a flag (lower-case a-z, 0-9, _)."));
        if (options.RetryAfter.Any(t => t <= TimeSpan.Zero))
        {
            errors.Add("Wellness:RetryAfter must be positive times (hh:mm:ss).");
        }

        if (options.CallTimeout <= TimeSpan.Zero)
        {
            errors.Add("Wellness:CallTimeout must be positive.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
