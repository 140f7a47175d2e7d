using Dapper;
using Hangfire;
using Hotline.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Telephony;

[Queue("alerts")]
[AutomaticRetry(Attempts = 5, DelaysInSeconds = [2, 5, 15, 30, 60])]
public sealed class CallDeliveryJob(NpgsqlDataSource db, TwilioGateway gateway, IOptions<TwilioOptions> options, ILogger<CallDeliveryJob> logger)
{
    public async Task RunAsync(long callId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var call = await conn.QuerySingleOrDefaultAsync<(string ToPhone, string TwimlPath, string? MachineDetection)?>(
            """
            UPDATE calls SET status = 'dispatching', attempts = attempts + 1, updated_at = now()
            WHERE id = @callId AND status = 'pending'
            RETURNING to_phone, twiml_path, machine_detection
            """, new { callId });
        if (call is not { } c)
        {
            return;
        }

        try
        {
            // Our row id rides along in the URLs, so the callbacks find this row even before we know its CallSid.
            var separator = c.TwimlPath.Contains('?') ? '&' : '?';
            var sent = await gateway.PlaceCallAsync(c.ToPhone,
                WebhookUrls.Absolute(options.Value, $"{c.TwimlPath}{separator}call={callId}"),
                WebhookUrls.Absolute(options.Value, $"/twilio/voice/status?call={callId}"), ct, c.MachineDetection);
            await conn.ExecuteAsync(
                """
                UPDATE calls SET call_sid = coalesce(call_sid, @Sid),
                    status = CASE WHEN status = 'dispatching' THEN @Status ELSE status END, updated_at = now()
                WHERE id = @callId
                """, new { sent.Sid, sent.Status, callId });
        }
        catch (TelephonyException e)
        {
            await conn.ExecuteAsync(
                """
                UPDATE calls SET status = @status, error_code = @Code, error_message = @Message, updated_at = now(),
                    outcome = CASE WHEN @status = 'failed' THEN 'missed' END, ended_at = CASE WHEN @status = 'failed' THEN now() END
                WHERE id = @callId
                """,
                new { status = e.Transient ? Outbox.Pending : "failed", e.Code, e.Message, callId });
            logger.LogWarning("Call {CallId} to {To} not placed ({Transient}): {Code} {Message}",
                callId, Phones.Mask(c.ToPhone), e.Transient ? "will retry" : "failed", e.Code, e.Message);
            if (e.Transient)
            {
                throw;
            }
        }
    }
}
