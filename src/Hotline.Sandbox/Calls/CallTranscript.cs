using Hotline.Sandbox.Webhooks;

namespace Hotline.Sandbox.Calls;

// Kind: say, play, pause, press, gather, record, queue, dial, bridge, request, hangup, status, error, note.
// Detail: the language of a Say, the URL of a Play.
public sealed record TranscriptStep(TimeSpan At, string Kind, string Text, string? Detail = null)
{
    public override string ToString() =>
        $"[{At.TotalSeconds,7:0.0}s] {Kind,-8} {Text}{(Detail is null ? "" : $" ({Detail})")}";
}

// Everything that happened on one call, in order. Status is Twilio's final CallStatus
// (completed, busy, no-answer, failed, canceled); EndedBy is "caller", "app", or "network".
public sealed record CallTranscript(
    string CallSid,
    string Direction,
    string From,
    string To,
    string Status,
    string EndedBy,
    int DurationSeconds,
    IReadOnlyList<TranscriptStep> Steps,
    IReadOnlyList<AppRequest> Requests)
{
    public IReadOnlyList<string> Said => Steps.Where(s => s.Kind == "say").Select(s => s.Text).ToList();

    public IReadOnlyList<string> DigitsPressed => Steps.Where(s => s.Kind == "press").Select(s => s.Text).ToList();

    public IReadOnlyList<AppRequest> RequestsTo(string pathPart) =>
        Requests.Where(r => r.Url.Contains(pathPart, StringComparison.OrdinalIgnoreCase)).ToList();

    public bool AllRequestsSucceeded => Requests.All(r => r.Succeeded);
}
