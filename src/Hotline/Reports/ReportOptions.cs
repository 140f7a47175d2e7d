using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Hotline.Reports;

public sealed class ReportOptions
{
    public bool Enabled { get; set; } = true;

    // When the daily report is made, in TimeZone; it covers the 24 hours before.
    [Required]
    public string DailyCron { get; set; } = "0 8 * * *";

    [Required]
    public string TimeZone { get; set; } = "Asia/Shanghai";

    // The SMS to each supervisor on duty, per staff language (the default language's when theirs is missing).
    // Placeholders: {day} {received} {answered} {abandoned} {voicemails} {needs} {resolved} {urgentInTime} {well} {needsHelp} {notReached}
    public Dictionary<string, string> Sms { get; set; } = [];

    [Required]
    public string DefaultLanguage { get; set; } = "zh-CN";

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}

public sealed class ReportOptionsValidation : IValidateOptions<ReportOptions>
{
    public ValidateOptionsResult Validate(string? name, ReportOptions options)
    {
        var errors = new List<string>();
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _))
        {
            errors.Add($"Reports:TimeZone '{options.TimeZone}' is not a time zone of this machine.");
        }

        if (!options.Sms.TryGetValue(options.DefaultLanguage, out var text) || string.IsNullOrWhiteSpace(text))
        {
            errors.Add($"Reports:Sms must have a text for Reports:DefaultLanguage '{options.DefaultLanguage}'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
