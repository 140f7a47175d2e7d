using Dapper;
using Hotline.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Telephony;

// The one way an outbox row reaches Twilio, for messages and calls alike: claim the row (pending -> dispatching), so
// a second run of the same job, the SMS pump or a second instance sends nothing; send; write Twilio's SID and status
// back. Twilio refusing for good marks the row failed, visibly; a transient failure puts it back to pending and
// rethrows, so the job's retries (for messages the pump, after a back-off) and the outbox sweeper try again.
public sealed class OutboxDelivery(NpgsqlDataSource db, TwilioGateway gateway, IOptions<TwilioOptions> options, ILogger<OutboxDelivery> logger)
{
    public Task SendSmsAsync(long messageId, CancellationToken ct) => DeliverAsync(OutboxTable.Messages, messageId, ct);

    public Task PlaceCallAsync(long callId, CancellationToken ct) => DeliverAsync(OutboxTable.Calls, callId, ct);

    // For the SMS pump: claims up to `limit` due messages in one statement, oldest first. SKIP LOCKED lets pumps of
    // several instances claim side by side; the status check still keeps a row from being claimed twice.
    public async Task<IReadOnlyList<OutboxRow>> ClaimDueSmsAsync(int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<OutboxRow>(
            $"""
            UPDATE messages SET status = '{Outbox.Dispatching}', attempts = attempts + 1, updated_at = now()
            WHERE id IN (SELECT id FROM messages
                         WHERE status = '{Outbox.Pending}' AND message_sid IS NULL AND (send_after IS NULL OR send_after <= now())
                         ORDER BY id LIMIT @limit FOR UPDATE SKIP LOCKED)
              AND status = '{Outbox.Pending}'
            RETURNING id, {OutboxTable.Messages.Claimed}
            """, new { limit });
        return rows.AsList();
    }

    public Task SendClaimedSmsAsync(OutboxRow row, CancellationToken ct) => SendClaimedAsync(OutboxTable.Messages, row, ct);

    async Task DeliverAsync(OutboxTable table, long id, CancellationToken ct)
    {
        OutboxRow? row;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            row = await conn.QuerySingleOrDefaultAsync<OutboxRow>(
                $"""
                UPDATE {table.Name} SET status = '{Outbox.Dispatching}', attempts = attempts + 1, updated_at = now()
                WHERE id = @id AND status = '{Outbox.Pending}' AND {table.SidColumn} IS NULL -- a SID: Twilio has it already
                RETURNING id, {table.Claimed}
                """, new { id });
        }

        if (row is not null)
        {
            await SendClaimedAsync(table, row, ct);
        }
    }

    // No connection is held while Twilio answers: the write-back takes its own.
    async Task SendClaimedAsync(OutboxTable table, OutboxRow row, CancellationToken ct)
    {
        try
        {
            var sent = await table.Send(gateway, options.Value, row, ct);
            await using var conn = await db.OpenConnectionAsync(ct);
            await conn.ExecuteAsync(
                $"""
                UPDATE {table.Name} SET {table.SidColumn} = coalesce({table.SidColumn}, @Sid),
                    status = CASE WHEN status = '{Outbox.Dispatching}' THEN @Status ELSE status END, updated_at = now()
                WHERE id = @id
                """, new { sent.Sid, sent.Status, row.Id });
        }
        catch (TelephonyException e)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await conn.ExecuteAsync(
                $"UPDATE {table.Name} SET status = @status, error_code = @Code, error_message = @Message, updated_at = now(){table.OnFailure} WHERE id = @Id",
                new { status = e.Transient ? Outbox.Pending : "failed", e.Code, e.Message, row.Id });
            logger.LogWarning("{Kind} {Id} to {To} not sent ({Transient}): {Code} {Message}",
                table.Kind, row.Id, Phones.Mask(row.ToPhone), e.Transient ? "will retry" : "failed", e.Code, e.Message);
            if (e.Transient)
            {
                throw;
            }
        }
    }
}

// What a claim reads back: messages fill in Body, calls TwimlPath and MachineDetection.
public sealed record OutboxRow
{
    public long Id { get; init; }
    public string ToPhone { get; init; } = "";
    public string? Body { get; init; }
    public string? TwimlPath { get; init; }
    public string? MachineDetection { get; init; }
}

// PumpPolls: the SMS pump finds pending rows by itself (messages); a pending call is only placed by its job.
sealed record OutboxTable(
    string Kind, string Name, string SidColumn, string Claimed, string OnFailure, bool PumpPolls,
    Func<TwilioGateway, TwilioOptions, OutboxRow, CancellationToken, Task<(string Sid, string Status)>> Send)
{
    // A message Twilio turned away for now waits 2, 5, 15, 30, then 60 s before each next try, as the jobs' retries did.
    public static readonly OutboxTable Messages = new("SMS", "messages", "message_sid", "to_phone, body",
        ", send_after = CASE WHEN @status = 'pending' THEN now() + make_interval(secs => (ARRAY[2, 5, 15, 30, 60])[least(attempts, 5)]) END",
        PumpPolls: true,
        async (gateway, options, row, ct) =>
        {
            var sent = await gateway.SendSmsAsync(row.ToPhone, row.Body!, WebhookUrls.Absolute(options, $"/twilio/sms/status?message={row.Id}"), ct);
            return (sent.Sid, sent.Status);
        });

    // A call Twilio refused will never ring: it is over, and missed.
    public static readonly OutboxTable Calls = new("Call", "calls", "call_sid", "to_phone, twiml_path, machine_detection",
        ", outcome = CASE WHEN @status = 'failed' THEN 'missed' END, ended_at = CASE WHEN @status = 'failed' THEN now() END",
        PumpPolls: false,
        async (gateway, options, row, ct) =>
        {
            // Our row id rides along in the URLs, so the callbacks find this row even before we know its CallSid.
            var separator = row.TwimlPath!.Contains('?') ? '&' : '?';
            var sent = await gateway.PlaceCallAsync(row.ToPhone,
                WebhookUrls.Absolute(options, $"{row.TwimlPath}{separator}call={row.Id}"),
                WebhookUrls.Absolute(options, $"/twilio/voice/status?call={row.Id}"), ct, row.MachineDetection);
            return (sent.Sid, sent.Status);
        });

    // A claim older than two minutes was left by a worker that died; sending again risks a duplicate, but losing an
    // alert or a callback is worse. A pending call ten seconds old had its job lost. A row with a SID is at Twilio
    // already (a call's TwiML request binds it): sending again would dial twice; the reconciliation sweep settles it.
    public string RependStragglers => $"""
        UPDATE {Name} SET status = '{Outbox.Pending}', updated_at = now()
        WHERE {SidColumn} IS NULL AND ((status = '{Outbox.Dispatching}' AND updated_at < now() - interval '2 minutes')
           {(PumpPolls ? "" : $"OR (status = '{Outbox.Pending}' AND updated_at < now() - interval '10 seconds')")})
        RETURNING id
        """;
}
