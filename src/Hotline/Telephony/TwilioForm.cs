using System.Text.Json;

namespace Hotline.Telephony;

// The fields of one Twilio webhook, with the raw form kept for the call's event log.
public sealed class TwilioForm(IFormCollection form)
{
    public string? this[string key] => form.TryGetValue(key, out var value) && value.Count > 0 ? value.ToString() : null;

    public string Required(string key) =>
        this[key] is { Length: > 0 } value ? value : throw new BadWebhookException($"The form field {key} is missing.");

    public int? Int(string key) => int.TryParse(this[key], out var value) ? value : null;

    // jsonb refuses NUL characters, which a hostile form may carry.
    public string ToJson() => JsonSerializer.Serialize(form.ToDictionary(f => f.Key, f => f.Value.ToString().Replace("\0", "")));
}

// Malformed webhook input: answered with 400 and the reason, never a 500.
public sealed class BadWebhookException(string message) : Exception(message);
