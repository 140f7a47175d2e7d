using Hotline.Sandbox.Calls;
using Hotline.Sandbox.Messages;

namespace Hotline.Sandbox.Cli;

internal static class ScenarioSummary
{
    public static void Print(IReadOnlyList<CallTranscript> calls, IReadOnlyList<SmsTranscript> messages, TimeSpan real, double speed)
    {
        Console.WriteLine();
        Console.WriteLine($"Summary ({real.TotalSeconds:0.0} s real, {real.TotalSeconds * speed:0} s simulated)");
        Console.WriteLine($"  calls: {calls.Count}  " + Counts(calls.Select(c => c.Status)));
        Console.WriteLine($"  ended by: " + Counts(calls.Select(c => c.EndedBy)));
        if (calls.Count > 0)
        {
            Console.WriteLine($"  duration: avg {calls.Average(c => c.DurationSeconds):0} s, max {calls.Max(c => c.DurationSeconds)} s");
        }

        var requests = calls.SelectMany(c => c.Requests).Concat(messages.SelectMany(m => m.Requests)).ToList();
        Console.WriteLine($"  requests to the app: {requests.Count}  " + Counts(requests.Select(r => r.Error is null ? r.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no answer")));
        Console.WriteLine($"  queue results: " + Counts(requests.Select(r => r.Param("QueueResult")).OfType<string>()));
        Console.WriteLine($"  dial results: " + Counts(requests.Select(r => r.Param("DialCallStatus")).OfType<string>()));
        Console.WriteLine($"  recordings: {requests.Count(r => r.Param("RecordingStatus") == "completed")}, " +
                          $"transcriptions: {requests.Count(r => r.Param("TranscriptionStatus") == "completed")}");
        var fallbacks = requests.Where(r => r.Param("ErrorUrl") is not null).ToList();
        Console.WriteLine($"  fallback URL requests (voice and SMS): {fallbacks.Count}, answered: {fallbacks.Count(r => r.Succeeded)}");
        Console.WriteLine($"  SMS sent by residents: {messages.Count}, replies: {messages.Sum(m => m.Replies.Count)}");

        foreach (var failed in requests.Where(r => !r.Succeeded).GroupBy(r => (Path: new Uri(r.Url).AbsolutePath, r.Status, r.Error)).Take(10))
        {
            Console.WriteLine($"  FAILED x{failed.Count()}: {failed.Key.Path} -> {failed.Key.Error ?? failed.Key.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }
    }

    private static string Counts(IEnumerable<string> values) =>
        string.Join(", ", values.GroupBy(v => v).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"));
}
