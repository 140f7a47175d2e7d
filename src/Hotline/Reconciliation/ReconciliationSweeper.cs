using System.Globalization;
using System.Text.Json;
using Dapper;
using Hotline.Callbacks;
using Hotline.Calls;
using Hotline.Resilience;
using Hotline.Telephony;
using Hotline.Voicemails;
using Hotline.Wellness;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Npgsql;
using Twilio.Rest.Api.V2010.Account;
using TranscriptionResource = Twilio.Rest.Api.V2010.Account.Recording.TranscriptionResource;

namespace Hotline.Reconciliation;

// Twilio has a fallback URL for the voice webhooks but none for status and transcription callbacks: when the instance
// they point at is down, they are lost (SIGKILL drill, docs/reliability.md). This sweep finds calls left without a
// final status and asks Twilio's REST API how they ended, applying the answer through the status callback's own code;
// likewise voicemails without a transcript, marked "missing" (staff listen to them) when Twilio has none. Instances
// claim calls by moving their updated_at forward (SKIP LOCKED), so two instances never fetch the same call at once.
public sealed class ReconciliationSweeper(
    NpgsqlDataSource db, TwilioGateway twilio, VoiceWebhook hook, CallStore calls, CallbackRequests callbacks, WellnessCalls wellness,
    VoicemailStore voicemails, WebhookJournal journal, IOptionsMonitor<ReconciliationOptions> options, TimeProvider clock,
    ILogger<ReconciliationSweeper> logger) : BackgroundService
{
    public const string NotFoundEvent = "reconcile_not_found";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(options.CurrentValue.SweepSeconds), clock, stoppingToken);
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Usually the database or Twilio being away; the next round tries again.
                logger.LogWarning("Reconciliation sweep skipped: {Message}", e.Message);
            }
        }
    }

    public async Task<ReconciliationResult> SweepAsync(CancellationToken ct)
    {
        var result = new ReconciliationResult();
        foreach (var call in await ClaimQuietCallsAsync(ct))
        {
            if (journal.HoldsCall(call.CallSid))
            {
                // Its webhooks wait in this instance's outage journal; the replay comes first, the sweep looks again later.
                continue;
            }

            CallResource? found;
            try
            {
                found = await twilio.FetchCallAsync(call.CallSid, ct);
            }
            catch (TelephonyException e)
            {
                logger.LogWarning("Reconciliation could not fetch call {CallId} ({CallSid}) from Twilio: {Code} {Message}; trying again next round",
                    call.Id, call.CallSid, e.Code, e.Message);
                break;
            }

            if (found is null)
            {
                await NotFoundAsync(call, ct);
                result.NotFound++;
            }
            else if (found.Status?.ToString() is { } status && CallStatus.IsFinal(status))
            {
                result.Settled += await SettleAsync(call, found, status, ct) ? 1 : 0;
            }
            else
            {
                await StillLiveAsync(call, found.Status?.ToString(), ct);
                result.StillLive++;
            }
        }

        (result.TranscriptsFetched, result.TranscriptsMissing) = await ReconcileTranscriptsAsync(ct);
        if (result.Settled + result.NotFound + result.TranscriptsFetched + result.TranscriptsMissing > 0)
        {
            logger.LogWarning(
                "Reconciliation: {Settled} calls settled from Twilio, {NotFound} unknown to Twilio, {Fetched} transcripts fetched, {Missing} transcripts missing",
                result.Settled, result.NotFound, result.TranscriptsFetched, result.TranscriptsMissing);
        }

        return result;
    }

    // Calls with a CallSid and no final status, quiet for the grace: no webhook event and no claim since then.
    async Task<IReadOnlyList<QuietCall>> ClaimQuietCallsAsync(CancellationToken ct)
    {
        var o = options.CurrentValue;
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        var claimed = await conn.QueryAsync<QuietCall>(
            """
            UPDATE calls SET updated_at = @now
            WHERE id IN (
                SELECT c.id FROM calls c
                WHERE c.started_at > @oldest AND c.started_at < @quietSince
                  AND c.call_sid IS NOT NULL
                  AND c.status NOT IN ('completed', 'busy', 'no-answer', 'failed', 'canceled')
                  AND c.updated_at < @quietSince
                  AND NOT EXISTS (SELECT 1 FROM call_events e WHERE e.call_id = c.id AND e.occurred_at >= @quietSince)
                  AND NOT EXISTS (SELECT 1 FROM call_events e WHERE e.dedupe_key = @NotFoundEvent || ':' || c.call_sid)
                ORDER BY c.started_at
                LIMIT @Batch
                FOR UPDATE SKIP LOCKED)
            RETURNING id, call_sid, status, direction, started_at
            """,
            new { now, oldest = now.AddHours(-o.MaxAgeHours), quietSince = now.AddSeconds(-o.CallGraceSeconds), NotFoundEvent, o.Batch });
        return claimed.ToList();
    }

    // The status callback's own path, with a form shaped like Twilio's callback, so the outcome, the callback and
    // wellness hooks and the event log come out as if the callback had come; a real one arriving later changes nothing.
    async Task<bool> SettleAsync(QuietCall call, CallResource found, string status, CancellationToken ct)
    {
        var fields = new Dictionary<string, StringValues>
        {
            ["CallSid"] = call.CallSid,
            ["AccountSid"] = found.AccountSid ?? "",
            ["CallStatus"] = status,
            ["Direction"] = found.Direction?.ToString() ?? call.Direction,
            ["From"] = found.From ?? "",
            ["To"] = found.To ?? "",
            ["Reconciled"] = "true",
        };
        if (found.Duration is { Length: > 0 } duration)
        {
            fields["CallDuration"] = duration;
        }

        if (found.EndTime is { } ended)
        {
            fields["Timestamp"] = DateTime.SpecifyKind(ended, DateTimeKind.Utc).ToString("R", CultureInfo.InvariantCulture);
        }

        if (found.AnsweredBy is { Length: > 0 } answeredBy)
        {
            fields["AnsweredBy"] = answeredBy;
        }

        var settled = false;
        await hook.RunAsync(new TwilioForm(new FormCollection(fields)), async step =>
        {
            if (CallStatus.IsFinal(step.Call.Status))
            {
                // Its callback came while we were asking Twilio.
                return new Twilio.TwiML.VoiceResponse();
            }

            settled = await step.RecordAsync("reconciled", $"{status}: fetched from Twilio, its status callback never came", $"reconciled:{call.CallSid}");
            return await StatusCallbacks.ApplyAsync(step, status, calls, callbacks, wellness);
        }, ct);
        return settled;
    }

    // Twilio does not know the call (another account, a sandbox that restarted, a record past retention): nothing to
    // fetch, ever. Logged with what we know and marked, so the sweep does not ask again.
    async Task NotFoundAsync(QuietCall call, CancellationToken ct)
    {
        logger.LogWarning("Reconciliation: Twilio does not know call {CallId} ({CallSid}, {Direction}, status {Status}, started {StartedAt:o}); left as it is",
            call.Id, call.CallSid, call.Direction, call.Status, call.StartedAt);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var payload = JsonSerializer.Serialize(new { call.CallSid, call.Status, reason = "Twilio answered 404 to a fetch of this call" });
        await calls.AddEventsAsync(conn, tx, [new CallEvent(call.Id, NotFoundEvent, "Twilio does not know this call", payload,
            $"{NotFoundEvent}:{call.CallSid}", false, clock.GetUtcNow().UtcDateTime)], null, ct);
        await tx.CommitAsync(ct);
    }

    // Still live at Twilio: looked at again after the grace (the claim moved updated_at). An outbound row still in an
    // outbox state (its TwiML was fetched, so it has a CallSid, but every status callback was lost) takes Twilio's
    // status, so that nothing reads it as a call still to be placed.
    async Task StillLiveAsync(QuietCall call, string? status, CancellationToken ct)
    {
        if (status is null || call.Status is not (Outbox.Pending or Outbox.Dispatching))
        {
            return;
        }

        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync("UPDATE calls SET status = @status WHERE id = @Id AND status IN ('pending', 'dispatching')",
            new { call.Id, status });
    }

    // Voicemails whose transcription callback has not come after the grace: the transcription is fetched from Twilio
    // and saved through the callback's own path (a late callback then changes nothing). When Twilio has none (the
    // recording was not transcribed, or Twilio does not know it), the voicemail is marked "missing" so that the console
    // says to listen to it; a transcription callback arriving later still fills in the text. The recording is stored
    // either way. A transcription still in progress is looked at again next round.
    async Task<(int Fetched, int Missing)> ReconcileTranscriptsAsync(CancellationToken ct)
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
            await calls.AddEventsAsync(conn, tx, [new CallEvent(voicemail.CallId, "transcription_missing", reason, payload,
                $"transcription_missing:{voicemail.RecordingSid}", false, now)], null, ct);
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

    sealed record QuietCall
    {
        public long Id { get; init; }
        public string CallSid { get; init; } = "";
        public string Status { get; init; } = "";
        public string Direction { get; init; } = "";
        public DateTime StartedAt { get; init; }
    }
}

public sealed class ReconciliationResult
{
    public int Settled { get; set; }
    public int NotFound { get; set; }
    public int StillLive { get; set; }
    public int TranscriptsFetched { get; set; }
    public int TranscriptsMissing { get; set; }
}
