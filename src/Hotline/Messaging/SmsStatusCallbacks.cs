using Dapper;
using Hotline.Telephony;
using Npgsql;

namespace Hotline.Messaging;

// Delivery reports for the SMS we send. They carry no sequence number, so a status only moves forward along
// Twilio's lifecycle and a final one (delivered, undelivered, failed) is never replaced by a late "sent".
public static class SmsStatusCallbacks
{
    static readonly string[] Lifecycle = [Outbox.Pending, Outbox.Dispatching, "accepted", "scheduled", "queued", "sending", "sent", "delivered", "read"];
    static readonly string[] Final = ["delivered", "read", "undelivered", "failed", "canceled"];

    public static async Task<TwimlResult> Handle(IFormCollection form, long? message, NpgsqlDataSource db, CancellationToken ct)
    {
        var fields = new TwilioForm(form);
        var sid = fields.Required("MessageSid");
        var status = fields.Required("MessageStatus");
        if (!Lifecycle.Contains(status) && !Final.Contains(status))
        {
            throw new BadWebhookException($"MessageStatus '{status[..Math.Min(status.Length, 40)]}' is not a Twilio message status.");
        }

        // One statement, no transaction of its own: the row lock the UPDATE takes makes a concurrent report of the same
        // message wait, and PostgreSQL checks the conditions again on the row as that one left it.
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(
            """
            UPDATE messages SET message_sid = coalesce(message_sid, @sid), status = @status,
                error_code = coalesce(@code, error_code), error_message = coalesce(@error, error_message), updated_at = now()
            WHERE id = (SELECT id FROM messages WHERE id = @message OR message_sid = @sid ORDER BY id LIMIT 1)
              AND status <> ALL(@Final)
              AND (@status = ANY(@Final) OR array_position(@Lifecycle, @status) > coalesce(array_position(@Lifecycle, status), 0))
            """,
            new { message = message ?? 0, sid, status, code = fields.Int("ErrorCode"), error = fields["ErrorMessage"], Final, Lifecycle });
        return TwimlResult.Empty;
    }
}
