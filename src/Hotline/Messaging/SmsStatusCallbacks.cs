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

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var current = await conn.QuerySingleOrDefaultAsync<(long Id, string Status)?>(
            "SELECT id, status FROM messages WHERE id = @message OR message_sid = @sid ORDER BY id LIMIT 1 FOR UPDATE",
            new { message = message ?? 0, sid }, tx);
        if (current is { } row && IsProgress(row.Status, status))
        {
            await conn.ExecuteAsync(
                """
                UPDATE messages SET message_sid = coalesce(message_sid, @sid), status = @status,
                    error_code = coalesce(@code, error_code), error_message = coalesce(@error, error_message), updated_at = now()
                WHERE id = @Id
                """,
                new { row.Id, sid, status, code = fields.Int("ErrorCode"), error = fields["ErrorMessage"] }, tx);
        }

        await tx.CommitAsync(ct);
        return TwimlResult.Empty;
    }

    static bool IsProgress(string from, string to) =>
        !Final.Contains(from) && (Final.Contains(to) || Array.IndexOf(Lifecycle, to) > Array.IndexOf(Lifecycle, from));
}
