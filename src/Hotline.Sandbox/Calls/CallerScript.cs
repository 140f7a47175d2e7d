using System.Globalization;

namespace Hotline.Sandbox.Calls;

// What the person on the line does. For inbound calls it is the resident's script; for calls the sandbox places
// it comes from the called number's PhoneBehaviour.
public sealed record CallerScript
{
    public string From { get; init; } = "+8613800000001";

    // Defaults to the hotline number.
    public string? To { get; init; }

    // Consumed by successive Gathers outside a queue: "1", "2@3s" (pressed after 3 s), "" or "none" (no input).
    public IReadOnlyList<string> Presses { get; init; } = [];

    public double? HangupAfterSeconds { get; init; }

    // Hang up on reaching a point: "gather" (first Gather), "gather:2", "record", "queue" (after the first wait
    // document), "dial", or "say:<words>" (once something containing the words was said).
    public string? HangupAt { get; init; }

    // Pressed once at a Gather while waiting in a queue (e.g. "press 1 for a callback").
    public string? PressInQueue { get; init; }

    // How long the caller speaks at a <Record>, and the transcription Twilio would produce.
    public double RecordSeconds { get; init; }
    public string? RecordTranscript { get; init; }

    // How long the caller talks once bridged to a person, before hanging up.
    public double TalkSeconds { get; init; } = 30;
}

public sealed record KeyPress(string Digits, TimeSpan Delay)
{
    // "1", "12#", "2@3s", "none".
    public static KeyPress Parse(string text)
    {
        var parts = text.Split('@', 2);
        var digits = parts[0].Trim();
        if (digits.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            digits = "";
        }

        var delay = parts.Length == 2 ? Durations.Parse(parts[1]) : TimeSpan.Zero;
        return new KeyPress(digits, delay);
    }
}

public static class Durations
{
    // "40s", "2m", "500ms", "1h", or a bare number of seconds.
    public static TimeSpan Parse(string text)
    {
        var t = text.Trim();
        (string number, double scale) = t switch
        {
            _ when t.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (t[..^2], 0.001),
            _ when t.EndsWith('s') || t.EndsWith('S') => (t[..^1], 1.0),
            _ when t.EndsWith('m') || t.EndsWith('M') => (t[..^1], 60.0),
            _ when t.EndsWith('h') || t.EndsWith('H') => (t[..^1], 3600.0),
            _ => (t, 1.0),
        };

        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            throw new FormatException($"'{text}' is not a duration (try 40s, 2m, 500ms).");
        }

        return TimeSpan.FromSeconds(value * scale);
    }
}
