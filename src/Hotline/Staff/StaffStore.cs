using Dapper;
using Npgsql;

namespace Hotline.Staff;

public sealed class StaffStore(NpgsqlDataSource db)
{
    public async Task<StaffMember?> FindByUsernameAsync(string username, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<StaffMember>("SELECT * FROM staff WHERE username = @username", new { username });
    }

    public async Task RecordLoginAsync(long id, bool succeeded, DateTime? lockedUntil, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(
            succeeded
                ? "UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE id = @id"
                : "UPDATE staff SET failed_logins = failed_logins + 1, locked_until = @lockedUntil WHERE id = @id",
            new { id, lockedUntil });
    }

    public async Task<bool> AnyAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM staff)");
    }

    public async Task AddAsync(NewStaffMember member, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(
            """
            INSERT INTO staff (username, display_name, role, phone, password_hash, language, on_duty, escalation_level)
            VALUES (@Username, @DisplayName, @Role, @Phone, @PasswordHash, @Language, @OnDuty, @EscalationLevel)
            ON CONFLICT (username) DO NOTHING
            """,
            member);
    }
}

public sealed record NewStaffMember(
    string Username, string DisplayName, string Role, string? Phone, string PasswordHash, string Language, bool OnDuty, int? EscalationLevel);
