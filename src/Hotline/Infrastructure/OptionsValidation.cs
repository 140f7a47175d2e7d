using Hotline.Calls;
using Hotline.Needs;
using Microsoft.Extensions.Options;

namespace Hotline.Infrastructure;

// Checks the parts of the call-flow configuration that data annotations cannot: a missing prompt or a menu digit
// used twice would only show up when a resident calls.
public sealed class IvrOptionsValidation : IValidateOptions<IvrOptions>
{
    public ValidateOptionsResult Validate(string? name, IvrOptions options)
    {
        var errors = new List<string>();
        if (!options.Languages.ContainsKey(options.DefaultLanguage))
        {
            errors.Add($"Ivr:DefaultLanguage '{options.DefaultLanguage}' has no entry under Ivr:Languages.");
        }

        foreach (var (language, prompts) in options.Languages)
        {
            errors.AddRange(typeof(LanguagePrompts).GetProperties()
                .Where(p => p.PropertyType == typeof(string) && string.IsNullOrWhiteSpace((string?)p.GetValue(prompts)))
                .Select(p => $"Ivr:Languages:{language}:{p.Name} is empty."));
        }

        errors.AddRange(options.Languages.GroupBy(l => l.Value.Digit).Where(g => g.Count() > 1)
            .Select(g => $"Ivr:Languages share the digit {g.Key}: {string.Join(", ", g.Select(l => l.Key))}."));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public sealed class NeedOptionsValidation : IValidateOptions<NeedOptions>
{
    public ValidateOptionsResult Validate(string? name, NeedOptions options)
    {
        var errors = new List<string>();
        if (!options.Categories.ContainsKey(NeedPolicy.OtherCategory))
        {
            errors.Add($"Needs:Categories must include '{NeedPolicy.OtherCategory}'.");
        }

        errors.AddRange(options.Categories.Where(c => !Urgency.IsKnown(c.Value.Urgency))
            .Select(c => $"Needs:Categories:{c.Key}:Urgency must be one of {string.Join(", ", Urgency.Order)}."));
        errors.AddRange(options.Categories.GroupBy(c => c.Value.Digit).Where(g => g.Count() > 1)
            .Select(g => $"Needs:Categories share the digit {g.Key}: {string.Join(", ", g.Select(c => c.Key))}."));
        var deadlines = options.Categories.Select(c => (c.Key, Deadline: (DeadlineOptions)c.Value))
            .Concat(options.Urgencies.Select(u => (u.Key, Deadline: u.Value)));
        errors.AddRange(deadlines.Where(d => d.Deadline.AckMinutes <= 0 || d.Deadline.FulfilMinutes <= 0)
            .Select(d => $"Needs: the deadlines of {d.Key} must be positive minutes."));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
