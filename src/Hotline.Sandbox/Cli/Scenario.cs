using System.Globalization;
using Hotline.Sandbox.Calls;
using Hotline.Sandbox.Phones;

namespace Hotline.Sandbox.Cli;

// A scenario file:
// {
//   "speed": 60,
//   "phones": { "+8613900000001": { "answer": "human", "talkSeconds": 90 } },
//   "callers": [
//     { "at": "0s", "from": "+8613800000001", "presses": ["1", "2"], "hangupAfter": "40s" },
//     { "at": "30s", "from": "+8613800000100", "repeat": 20, "every": "5s", "presses": ["2"], "record": "20s",
//       "transcript": "I need a dialysis trip", "pressInQueue": "1", "hangupAt": "queue", "talk": "60s" }
//   ],
//   "sms": [ { "at": "10s", "from": "+8613800000002", "body": "I need medicine" } ]
// }
// Times are simulated ("40s", "2m", or seconds); repeat gives consecutive From numbers.
public sealed record Scenario
{
    public double? Speed { get; init; }
    public Dictionary<string, PhoneBehaviour> Phones { get; init; } = [];
    public List<ScenarioCaller> Callers { get; init; } = [];
    public List<ScenarioSms> Sms { get; init; } = [];

    public IEnumerable<(TimeSpan At, CallerScript Script)> Calls()
    {
        foreach (var caller in Callers)
        {
            var at = Durations.Parse(caller.At ?? "0");
            var every = Durations.Parse(caller.Every ?? "0");
            for (var i = 0; i < Math.Max(1, caller.Repeat); i++)
            {
                yield return (at + every * i, caller.ToScript(NumberPlus(caller.From, i)));
            }
        }
    }

    private static string NumberPlus(string number, int i)
    {
        if (i == 0 || !long.TryParse(number.TrimStart('+'), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return number;
        }

        return "+" + (n + i).ToString(CultureInfo.InvariantCulture);
    }
}

public sealed record ScenarioCaller
{
    public string? At { get; init; }
    public string From { get; init; } = "+8613800000001";
    public string? To { get; init; }
    public int Repeat { get; init; } = 1;
    public string? Every { get; init; }
    public List<string> Presses { get; init; } = [];
    public string? HangupAfter { get; init; }
    public string? HangupAt { get; init; }
    public string? PressInQueue { get; init; }
    public string? Record { get; init; }
    public string? Transcript { get; init; }
    public string? Talk { get; init; }

    public CallerScript ToScript(string from) => new()
    {
        From = from,
        To = To,
        Presses = Presses,
        HangupAfterSeconds = HangupAfter is null ? null : Durations.Parse(HangupAfter).TotalSeconds,
        HangupAt = HangupAt,
        PressInQueue = PressInQueue,
        RecordSeconds = Record is null ? 0 : Durations.Parse(Record).TotalSeconds,
        RecordTranscript = Transcript,
        TalkSeconds = Talk is null ? 30 : Durations.Parse(Talk).TotalSeconds,
    };
}

public sealed record ScenarioSms(string From, string Body, string? At = null, string? To = null);
