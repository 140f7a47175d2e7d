using System.Text.Json;
using Dapper;
using Hotline.Calls;
using Hotline.Telephony;
using Hotline.Voicemails;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Npgsql;
using TranscriptionResource = Twilio.Rest.Api.V2010.Account.Recording.TranscriptionResource;

namespace Hotline.Reconciliation;

// Voicemails whose transcription callback has not come after the grace: the transcription is fetched from Twilio
// and saved through the callback's own path (a late callback then changes nothing). When Twilio has none (the
// recording was not transcribed, or Twilio does not know it), the voicemail is marked "missing" so that the console
// says to listen to it; a transcription callback arriving later still fills in the text. The recording is stored
// either way. A transcription still in progress is looked at again next round.
public sealed class TranscriptReconciler(
    NpgsqlDataSource db, TwilioGateway twilio, VoiceWebhook hook, CallStore calls, VoicemailStore voicemails,
    IOptionsMonitor<ReconciliationOptions> options, TimeProvider clock, ILogger<TranscriptReconciler> logger)
{
    public async Task<(int Fetched, int Missing)> ReconcileAsync(CancellationToken ct)
    {
        var o = options.CurrentValue;
        var now = clock.GetUtcNow().UtcDateTime;
        List<Untranscribed> waiting;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            waiting = (await conn.QueryAsync<Untranscribed>(
                """
                SELECT v.id, v.call_id, v.recording_sid, c.call_sid, c.from_phone, c.to_phone
                FROM voicemails v JOIN calls c ON c.id = v.call_id
                WHERE c.direction = 'inbound' AND c.call_sid IS NOT NULL
                  AND v.transcript IS NULL AND v.transcription_status IS NULL
                  AND v.created_at > @oldest AND v.created_at < @quietSince
                ORDER BY v.created_at
                LIMIT @Batch
                """,
                new { oldest = now.AddHours(-o.MaxAgeHours), quietSince = now.AddSeconds(-o.TranscriptGraceSeconds), o.Batch })).ToList();
        }

        var (fetched, missing) = (0, 0);
        foreach (var voicemail in waiting)
        {
            IReadOnlyList<TranscriptionResource>? found;
            try
            {
                found = await twilio.FetchTranscriptionsAsync(voicemail.RecordingSid, ct);
            }
            catch (TelephonyException e)
            {
                logger.LogWarning("Reconciliation could not fetch the transcription of {RecordingSid}: {Code} {Message}; trying again next round",
                    voicemail.RecordingSid, e.Code, e.Message);
                break;
            }

            var done = found?.FirstOrDefault(t => t.Status?.ToString() is "completed" or "failed");
            if (done is not null)
            {
                fetched += await SaveTranscriptionAsync(voicemail, done, ct) ? 1 : 0;
            }
            else if (found is null || found.Count == 0)
            {
                missing += await MarkMissingAsync(voicemail, found is null ? "Twilio does not know the recording" : "Twilio has no transcription of it", ct) ? 1 : 0;
            }
        }

        return (fetched, missing);
    }

    async Task<bool> SaveTranscriptionAsync(Untranscribed voicemail, TranscriptionResource found, CancellationToken ct)
    {
        var fields = new Dictionary<string, StringValues>
        {
            ["CallSid"] = voicemail.CallSid,
            ["From"] = voicemail.FromPhone,
            ["To"] = voicemail.ToPhone,
            ["RecordingSid"] = voicemail.RecordingSid,
            ["TranscriptionSid"] = found.Sid ?? "",
            ["TranscriptionText"] = found.TranscriptionText ?? "",
            ["TranscriptionStatus"] = found.Status?.ToString() ?? "completed",
            ["Reconciled"] = "true",
        };
        var saved = false;
        await hook.RunAsync(new TwilioForm(new FormCollection(fields)), async step =>
        {
            saved = await step.RecordAsync("reconciled", "transcription: fetched from Twilio, its callback never came",
                $"reconciled:transcription:{voicemail.RecordingSid}");
            await VoicemailEndpoints.SaveTranscriptionAsync(step, voicemails, calls);
            return new Twilio.TwiML.VoiceResponse();
        }, ct);
        return saved;
    }

    async Task<bool> MarkMissingAsync(Untranscribed voicemail, string reason, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var marked = await conn.ExecuteAsync(
            "UPDATE voicemails SET transcription_status = 'missing' WHERE id = @Id AND transcript IS NULL AND transcription_status IS NULL",
            new { voicemail.Id }, tx) == 1;
        if (marked)
        {
            var payload = JsonSerializer.Serialize(new { voicemail.RecordingSid, reason });
            await calls.AddEventAsync(conn, tx, new CallEvent(voicemail.CallId, "transcription_missing", reason, payload,
                $"transcription_missing:{voicemail.RecordingSid}", false, now), ct);
        }

        await tx.CommitAsync(ct);
        return marked;
    }

    sealed record Untranscribed
    {
        public long Id { get; init; }
        public long CallId { get; init; }
        public string RecordingSid { get; init; } = "";
        public string CallSid { get; init; } = "";
        public string FromPhone { get; init; } = "";
        public string ToPhone { get; init; } = "";
    }
}
