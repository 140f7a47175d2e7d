using Dapper;
using Hotline.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Telephony;

// The one way an outbox row reaches Twilio, for messages and calls alike: claim the row (pending -> dispatching), so
// a second run of the same job or a second instance sends nothing; send; write Twilio's SID and status back. Twilio
// refusing for good marks the row failed, visibly; a transient failure puts it back to pending and rethrows, so the
// job's retries (and failing those, the outbox sweeper) try again.
public sealed class OutboxDelivery(NpgsqlDataSource db, TwilioGateway gateway, IOptions<TwilioOptions> options, ILogger<OutboxDelivery> logger)
{
    public Task SendSmsAsync(long messageId, CancellationToken ct) => DeliverAsync(OutboxTable.Messages, messageId, ct);

    public Task PlaceCallAsync(long callId, CancellationToken ct) => DeliverAsync(OutboxTable.Calls, callId, ct);

    async Task DeliverAsync(OutboxTable table, long id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<OutboxRow>(
            $"""
            UPDATE {table.Name} SET status = '{Outbox.Dispatching}', attempts = attempts + 1, updated_at = now()
            WHERE id = @id AND status = '{Outbox.Pending}' AND {table.SidColumn} IS NULL -- a SID: Twilio has it already
            RETURNING {table.Claimed}
            """, new { id });
        if (row is null)
        {
            return;
        }

        try
        {
            var sent = await table.Send(gateway, options.Value, id, row, ct);
            await conn.ExecuteAsync(
                $"""
                UPDATE {table.Name} SET {table.SidColumn} = coalesce({table.SidColumn}, @Sid),
                    status = CASE WHEN status = '{Outbox.Dispatching}' THEN @Status ELSE status END, updated_at = now()
                WHERE id = @id
                """, new { sent.Sid, sent.Status, id });
        }
        catch (TelephonyException e)
        {
            await conn.ExecuteAsync(
                $"UPDATE {table.Name} SET status = @status, error_code = @Code, error_message = @Message, updated_at = now(){table.OnFailure} WHERE id = @id",
                new { status = e.Transient ? Outbox.Pending : "failed", e.Code, e.Message, id });
            logger.LogWarning("{Kind} {Id} to {To} not sent ({Transient}): {Code} {Message}",
                table.Kind, id, Phones.Mask(row.ToPhone), e.Transient ? "will retry" : "failed", e.Code, e.Message);
            if (e.Transient)
            {
                throw;
            }
        }
    }
}

// What a claim reads back: messages fill in Body, calls TwimlPath and MachineDetection.
sealed record OutboxRow
{
    public string ToPhone { get; init; } = "";
    public string? Body { get; init; }
    public string? TwimlPath { get; init; }
    public string? MachineDetection { get; init; }
}

sealed record OutboxTable(
    string Kind, string Name, string SidColumn, string Claimed, string OnFailure,
    Func<TwilioGateway, TwilioOptions, long, OutboxRow, CancellationToken, Task<(string Sid, string Status)>> Send)
{
    public static readonly OutboxTable Messages = new("SMS", "messages", "message_sid", "to_phone, body", "",
        async (gateway, options, id, row, ct) =>
        {
            var sent = await gateway.SendSmsAsync(row.ToPhone, row.Body!, WebhookUrls.Absolute(options, $"/twilio/sms/status?message={id}"), ct);
            return (sent.Sid, sent.Status);
        });

    // A call Twilio refused will never ring: it is over, and missed.
    public static readonly OutboxTable Calls = new("Call", "calls", "call_sid", "to_phone, twiml_path, machine_detection",
        ", outcome = CASE WHEN @status = 'failed' THEN 'missed' END, ended_at = CASE WHEN @status = 'failed' THEN now() END",
        async (gateway, options, id, row, ct) =>
        {
            // Our row id rides along in the URLs, so the callbacks find this row even before we know its CallSid.
            var separator = row.TwimlPath!.Contains('?') ? '&' : '?';
            var sent = await gateway.PlaceCallAsync(row.ToPhone,
                WebhookUrls.Absolute(options, $"{row.TwimlPath}{separator}call={id}"),
                WebhookUrls.Absolute(options, $"/twilio/voice/status?call={id}"), ct, row.MachineDetection);
            return (sent.Sid, sent.Status);
        });

    // A claim older than two minutes was left by a worker that died; sending again risks a duplicate, but losing an
    // alert or a callback is worse. A pending row ten seconds old had its job lost. A row with a SID is at Twilio
    // already (a call's TwiML request binds it): sending again would dial twice; the reconciliation sweep settles it.
    public string RependStragglers => $"""
        UPDATE {Name} SET status = '{Outbox.Pending}', updated_at = now()
        WHERE {SidColumn} IS NULL AND ((status = '{Outbox.Dispatching}' AND updated_at < now() - interval '2 minutes')
           OR (status = '{Outbox.Pending}' AND updated_at < now() - interval '10 seconds'))
        RETURNING id
        """;
}
