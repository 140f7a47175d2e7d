using Dapper;
using Npgsql;

namespace Hotline.Messaging;

public sealed record Message
{
    public long Id { get; init; }
    public string Direction { get; init; } = "";
    public string? MessageSid { get; init; }
    public string FromPhone { get; init; } = "";
    public string ToPhone { get; init; } = "";
    public string Body { get; init; } = "";
    public string Status { get; init; } = "";
    public long? NeedId { get; init; }
    public long? ResidentId { get; init; }
    public DateTime CreatedAt { get; init; }
}

public sealed class MessageStore
{
    // Idempotent on MessageSid: a repeated delivery returns the row of the first.
    public async Task<Message> SaveInboundAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string messageSid, string from, string to, string body, DateTime now)
    {
        var args = new { messageSid, from, to, body, now };
        return await conn.QuerySingleOrDefaultAsync<Message>(
                """
                INSERT INTO messages (direction, message_sid, from_phone, to_phone, body, status, resident_id, created_at, updated_at)
                VALUES ('inbound', @messageSid, @from, @to, @body, 'received', (SELECT id FROM residents WHERE phone = @from), @now, @now)
                ON CONFLICT (message_sid) DO NOTHING
                RETURNING *
                """, args, tx)
            ?? await conn.QuerySingleAsync<Message>("SELECT * FROM messages WHERE message_sid = @messageSid", args, tx);
    }

    public Task LinkNeedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long messageId, long needId) =>
        conn.ExecuteAsync("UPDATE messages SET need_id = @needId WHERE id = @messageId", new { messageId, needId }, tx);

    public Task<ResidentContact?> ResidentAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string phone) =>
        conn.QuerySingleOrDefaultAsync<ResidentContact>("SELECT id, language, flags FROM residents WHERE phone = @phone", new { phone }, tx);
}

public sealed record ResidentContact
{
    public long Id { get; init; }
    public string? Language { get; init; }
    public string[] Flags { get; init; } = [];
}
