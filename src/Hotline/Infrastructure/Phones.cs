using Microsoft.Extensions.Options;
using PhoneNumbers;

namespace Hotline.Infrastructure;

public sealed class Phones(IOptions<HotlineOptions> options)
{
    static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    // Returns the E.164 form, or null when the text is not a possible phone number.
    public string? ToE164(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw) || raw.Length > 40)
        {
            return null;
        }

        try
        {
            var number = Util.Parse(raw, options.Value.DefaultRegion);
            return Util.IsPossibleNumber(number) ? Util.Format(number, PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    // Logs and lists show "+86*******0001": enough to tell callers apart, not enough to dial.
    public static string Mask(string? phone)
    {
        if (string.IsNullOrEmpty(phone))
        {
            return "";
        }

        if (phone.Length <= 6)
        {
            return new string('*', phone.Length);
        }

        var head = phone.StartsWith('+') ? 3 : 2;
        return phone[..head] + new string('*', phone.Length - head - 4) + phone[^4..];
    }
}
