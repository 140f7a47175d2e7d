using Dapper;
using Npgsql;

namespace Hotline.Infrastructure;

// Every change to a need is written here in the same transaction as the change itself.
public static class AuditLog
{
    public static Task WriteAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, AuditEntry entry) =>
        conn.ExecuteAsync(
            """
            INSERT INTO audit_log (actor, staff_id, entity, entity_id, action, details, occurred_at)
            VALUES (@Actor, @StaffId, @Entity, @EntityId, @Action, @Details::jsonb, @OccurredAt)
            """,
            entry, tx);
}

public sealed record AuditEntry(string Actor, long? StaffId, string Entity, long EntityId, string Action, string Details, DateTime OccurredAt);
