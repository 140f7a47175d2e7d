using System.Globalization;
using System.Text.Json;
using Dapper;
using Hotline.Callbacks;
using Hotline.Calls;
using Hotline.Resilience;
using Hotline.Telephony;
using Hotline.Wellness;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Npgsql;
using Twilio.Rest.Api.V2010.Account;

namespace Hotline.Reconciliation;

// Calls left without a final status (their status callbacks lost while the instance they point at was down): asks
// Twilio's REST API how each ended and applies the answer through the status callback's own code. Instances claim
// calls by moving their updated_at forward (SKIP LOCKED), so two instances never fetch the same call at once.
public sealed class CallReconciler(
    NpgsqlDataSource db, TwilioGateway twilio, VoiceWebhook hook, CallStore calls, CallbackRequests callbacks, WellnessCalls wellness,
    WebhookJournal journal, IOptionsMonitor<ReconciliationOptions> options, TimeProvider clock, ILogger<CallReconciler> logger)
{
    public const string NotFoundEvent = "reconcile_not_found";

    public async Task ReconcileAsync(ReconciliationResult result, CancellationToken ct)
    {
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
        await calls.AddEventAsync(conn, tx, new CallEvent(call.Id, NotFoundEvent, "Twilio does not know this call", payload,
            $"{NotFoundEvent}:{call.CallSid}", false, clock.GetUtcNow().UtcDateTime), ct);
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

    sealed record QuietCall
    {
        public long Id { get; init; }
        public string CallSid { get; init; } = "";
        public string Status { get; init; } = "";
        public string Direction { get; init; } = "";
        public DateTime StartedAt { get; init; }
    }
}
