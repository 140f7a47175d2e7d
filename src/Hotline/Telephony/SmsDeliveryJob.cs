using Dapper;
using Hangfire;
using Hotline.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Telephony;

[Queue("alerts")]
[AutomaticRetry(Attempts = 5, DelaysInSeconds = [2, 5, 15, 30, 60])]
public sealed class SmsDeliveryJob(NpgsqlDataSource db, TwilioGateway gateway, IOptions<TwilioOptions> options, ILogger<SmsDeliveryJob> logger)
{
    public async Task RunAsync(long messageId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        // Claiming the row is what makes a second run of this job (or a second instance) a no-op.
        var message = await conn.QuerySingleOrDefaultAsync<(string ToPhone, string Body)?>(
            """
            UPDATE messages SET status = 'dispatching', attempts = attempts + 1, updated_at = now()
            WHERE id = @messageId AND status = 'pending'
            RETURNING to_phone, body
            """, new { messageId });
        if (message is not { } m)
        {
            return;
        }

        try
        {
            var sent = await gateway.SendSmsAsync(m.ToPhone, m.Body, WebhookUrls.Absolute(options.Value, $"/twilio/sms/status?message={messageId}"), ct);
            await conn.ExecuteAsync(
                """
                UPDATE messages SET message_sid = coalesce(message_sid, @Sid),
                    status = CASE WHEN status = 'dispatching' THEN @Status ELSE status END, updated_at = now()
                WHERE id = @messageId
                """, new { sent.Sid, sent.Status, messageId });
        }
        catch (TelephonyException e)
        {
            // Transient: back to pending and let Hangfire try again. Refused: failed for good, and visible as failed.
            await conn.ExecuteAsync(
                "UPDATE messages SET status = @status, error_code = @Code, error_message = @Message, updated_at = now() WHERE id = @messageId",
                new { status = e.Transient ? Outbox.Pending : "failed", e.Code, e.Message, messageId });
            logger.LogWarning("SMS {MessageId} to {To} not sent ({Transient}): {Code} {Message}",
                messageId, Phones.Mask(m.ToPhone), e.Transient ? "will retry" : "failed", e.Code, e.Message);
            if (e.Transient)
            {
                throw;
            }
        }
    }
}
