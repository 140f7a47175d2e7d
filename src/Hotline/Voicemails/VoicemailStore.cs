using Hotline.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace Hotline.Voicemails;

public sealed class VoicemailStore
{
    // The <Record> action, the recording status callback and the transcription callback each carry the
    // RecordingSid and may come in any order; each fills in what it knows.
    public async Task UpsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, VoicemailUpdate update)
    {
        await using var batch = new NpgsqlBatch(conn, tx) { BatchCommands = { UpsertCommand(update) } };
        await batch.ExecuteNonQueryAsync();
    }

    // The upsert as a statement for VoiceStep.Later, when nothing later in the step reads the voicemail.
    public NpgsqlBatchCommand UpsertCommand(VoicemailUpdate update) => BatchCommands.Of(
        """
        INSERT INTO voicemails (call_id, need_id, recording_sid, recording_url, duration_seconds, recording_status,
                                transcript, transcription_status, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (recording_sid) DO UPDATE SET
            need_id = coalesce(voicemails.need_id, excluded.need_id),
            recording_url = coalesce(excluded.recording_url, voicemails.recording_url),
            duration_seconds = coalesce(excluded.duration_seconds, voicemails.duration_seconds),
            recording_status = coalesce(excluded.recording_status, voicemails.recording_status),
            transcript = coalesce(excluded.transcript, voicemails.transcript),
            transcription_status = coalesce(excluded.transcription_status, voicemails.transcription_status)
        """,
        (update.CallId, NpgsqlDbType.Bigint), (update.NeedId, NpgsqlDbType.Bigint), (update.RecordingSid, NpgsqlDbType.Text),
        (update.RecordingUrl, NpgsqlDbType.Text), (update.DurationSeconds, NpgsqlDbType.Integer), (update.RecordingStatus, NpgsqlDbType.Text),
        (update.Transcript, NpgsqlDbType.Text), (update.TranscriptionStatus, NpgsqlDbType.Text), (update.Now, NpgsqlDbType.TimestampTz));
}

public sealed record VoicemailUpdate(
    long CallId, long? NeedId, string RecordingSid, string? RecordingUrl, int? DurationSeconds,
    string? RecordingStatus, string? Transcript, string? TranscriptionStatus, DateTime Now);
