using System.Collections.Concurrent;

namespace Hotline.Sandbox.Recordings;

public sealed record Recording(string Sid, string CallSid, int DurationSeconds, string? Transcript, DateTimeOffset CreatedAt);

public sealed class RecordingStore
{
    private readonly ConcurrentDictionary<string, Recording> recordings = new(StringComparer.Ordinal);

    public Recording Add(string callSid, int durationSeconds, string? transcript)
    {
        var recording = new Recording(Sid.New("RE"), callSid, durationSeconds, transcript, DateTimeOffset.UtcNow);
        recordings[recording.Sid] = recording;
        return recording;
    }

    public Recording? Find(string sid) => recordings.GetValueOrDefault(sid);

    public IReadOnlyList<Recording> All() => recordings.Values.OrderBy(r => r.CreatedAt).ToList();

    public void Reset() => recordings.Clear();
}
