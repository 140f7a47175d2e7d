using Dapper;
using Npgsql;

namespace Hotline.Voicemails;

public sealed class VoicemailStore
{
    // The <Record> action, the recording status callback and the transcription callback each carry the
    // RecordingSid and may come in any order; each fills in what it knows.
    public Task UpsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, VoicemailUpdate update) =>
        conn.ExecuteAsync(
            """
            INSERT INTO voicemails (call_id, need_id, recording_sid, recording_url, duration_seconds, recording_status,
                                    transcript, transcription_status, created_at)
            VALUES (@CallId, @NeedId, @RecordingSid, @RecordingUrl, @DurationSeconds, @RecordingStatus,
                    @Transcript, @TranscriptionStatus, @Now)
            ON CONFLICT (recording_sid) DO UPDATE SET
                need_id = coalesce(voicemails.need_id, excluded.need_id),
                recording_url = coalesce(excluded.recording_url, voicemails.recording_url),
                duration_seconds = coalesce(excluded.duration_seconds, voicemails.duration_seconds),
                recording_status = coalesce(excluded.recording_status, voicemails.recording_status),
                transcript = coalesce(excluded.transcript, voicemails.transcript),
                transcription_status = coalesce(excluded.transcription_status, voicemails.transcription_status)
            """,
            update, tx);
}

public sealed record VoicemailUpdate(
    long CallId, long? NeedId, string RecordingSid, string? RecordingUrl, int? DurationSeconds,
    string? RecordingStatus, string? Transcript, string? TranscriptionStatus, DateTime Now);
