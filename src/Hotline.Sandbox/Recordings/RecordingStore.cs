using System.Collections.Concurrent;

namespace Hotline.Sandbox.Recordings;

public sealed record Recording(string Sid, string CallSid, int DurationSeconds, string? Transcript, DateTimeOffset CreatedAt);

// A transcription Twilio made of a recording (requested with <Record transcribe>): completed or failed.
public sealed record Transcription(string Sid, string RecordingSid, string Status, string Text, int DurationSeconds, DateTimeOffset CreatedAt);

public sealed class RecordingStore
{
    private readonly ConcurrentDictionary<string, Recording> recordings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Transcription> transcriptions = new(StringComparer.Ordinal);

    public Recording Add(string callSid, int durationSeconds, string? transcript)
    {
        var recording = new Recording(Sid.New("RE"), callSid, durationSeconds, transcript, DateTimeOffset.UtcNow);
        recordings[recording.Sid] = recording;
        return recording;
    }

    public Recording? Find(string sid) => recordings.GetValueOrDefault(sid);

    public Transcription AddTranscription(Recording recording, bool completed)
    {
        var transcription = new Transcription(Sid.New("TR"), recording.Sid, completed ? "completed" : "failed",
            completed ? recording.Transcript ?? "" : "", recording.DurationSeconds, DateTimeOffset.UtcNow);
        transcriptions[transcription.Sid] = transcription;
        return transcription;
    }

    public IReadOnlyList<Transcription> TranscriptionsOf(string recordingSid) =>
        transcriptions.Values.Where(t => t.RecordingSid == recordingSid).OrderBy(t => t.CreatedAt).ToList();

    public IReadOnlyList<Recording> All() => recordings.Values.OrderBy(r => r.CreatedAt).ToList();

    public void Reset()
    {
        recordings.Clear();
        transcriptions.Clear();
    }
}
