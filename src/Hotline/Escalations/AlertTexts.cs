using System.Globalization;
using Hotline.Calls;
using Hotline.Infrastructure;
using Hotline.Needs;
using Microsoft.Extensions.Options;

namespace Hotline.Escalations;

// The words of alerts and acknowledgement replies, in the recipient's language (Ivr:Languages).
public sealed class AlertTexts(IOptions<IvrOptions> ivr)
{
    public LanguagePrompts For(string? language) => ivr.Value.For(language);

    public string Sms(LadderNeed need, string kind, string? language, DateTime now) =>
        Fill(For(language), kind == AlertKind.Fulfil ? For(language).FulfilSms : For(language).EscalationSms, need, kind, now, spoken: false);

    public string Call(LadderNeed need, string kind, string? language, DateTime now) =>
        Fill(For(language), kind == AlertKind.Fulfil ? For(language).FulfilCall : For(language).EscalationCall, need, kind, now, spoken: true);

    public static string WithReference(string template, string reference, bool spoken = false) =>
        template.Replace("{reference}", spoken ? ReferenceCode.Spoken(reference) : reference);

    // {minutes}: how long the resident has waited since the need was recorded, or how far past the fulfilment
    // deadline it is.
    static string Fill(LanguagePrompts prompts, string template, LadderNeed need, string kind, DateTime now, bool spoken)
    {
        var since = kind == AlertKind.Fulfil ? need.FulfilDeadline : need.CreatedAt;
        var minutes = Math.Max(0, (int)Math.Floor((now - since).TotalMinutes));
        return WithReference(template, need.Reference, spoken)
            .Replace("{category}", prompts.CategoryName(need.Category))
            .Replace("{phone}", Phones.Mask(need.Phone))
            .Replace("{minutes}", minutes.ToString(CultureInfo.InvariantCulture));
    }
}
