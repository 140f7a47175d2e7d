using System.Text.RegularExpressions;
using Hotline.Calls;
using Hotline.Needs;
using Hotline.Wellness;
using Microsoft.Extensions.Options;

namespace Hotline.Residents;

public sealed class ResidentOptions
{
    // The flags a resident can carry. Those that raise urgency (Needs:RaisingFlags) and those that get wellness calls
    // (Wellness:Flags) are known too, so adding a flag there is enough.
    public string[] Flags { get; set; } = ["dialysis", "pregnant", "elderly_alone", "disabled"];
}

// The registry's vocabulary: which flags and languages a row may carry, and how loosely they may be written.
public sealed partial class ResidentVocabulary(IOptions<ResidentOptions> residents, IOptions<NeedOptions> needs,
    IOptions<WellnessOptions> wellness, IOptions<IvrOptions> ivr)
{
    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")]
    public static partial Regex FlagPattern();

    readonly Lazy<IReadOnlyList<string>> flags = new(() =>
        residents.Value.Flags.Concat(needs.Value.RaisingFlags).Concat(wellness.Value.Flags).Distinct().Order(StringComparer.Ordinal).ToList());

    public IReadOnlyList<string> Flags => flags.Value;

    public IReadOnlyList<string> Languages => ivr.Value.Languages.Keys.ToList();

    // "Elderly alone", "elderly-alone" and "ELDERLY_ALONE" are all elderly_alone.
    public static string NormaliseFlag(string text) =>
        string.Join('_', text.Trim().ToLowerInvariant().Split([' ', '-', '_'], StringSplitOptions.RemoveEmptyEntries));

    public (string[] Flags, string? Error) ParseFlags(string? text)
    {
        var known = Flags;
        var flags = new List<string>();
        foreach (var part in (text ?? "").Split([';', ',', '|', '/'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var flag = NormaliseFlag(part);
            if (!known.Contains(flag))
            {
                return ([], $"unknown flag '{Clip(part)}' (known: {string.Join(", ", known)})");
            }

            if (!flags.Contains(flag))
            {
                flags.Add(flag);
            }
        }

        return ([.. flags.Order(StringComparer.Ordinal)], null);
    }

    // A configured language key ("zh-CN"), matched without case, or its first part ("zh", "en") when that is unique.
    public (string? Language, string? Error) ParseLanguage(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, null);
        }

        var wanted = text.Trim();
        var languages = Languages;
        var exact = languages.FirstOrDefault(l => string.Equals(l, wanted, StringComparison.OrdinalIgnoreCase));
        if (exact is not null)
        {
            return (exact, null);
        }

        var byPrefix = languages.Where(l => string.Equals(l.Split('-')[0], wanted.Split('-', '_')[0], StringComparison.OrdinalIgnoreCase)).ToList();
        return byPrefix.Count == 1
            ? (byPrefix[0], null)
            : (null, $"unknown language '{Clip(wanted)}' (known: {string.Join(", ", languages)})");
    }

    static string Clip(string value) => value.Length > 40 ? value[..40] + "…" : value;
}

public sealed class ResidentOptionsValidation : IValidateOptions<ResidentOptions>
{
    public ValidateOptionsResult Validate(string? name, ResidentOptions options)
    {
        var bad = options.Flags.Where(f => !ResidentVocabulary.FlagPattern().IsMatch(f)).ToList();
        return bad.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Residents:Flags must be lower-case words (a-z, 0-9, _): {string.Join(", ", bad)}.");
    }
}
