using Npgsql;

namespace Hotline.Replay;

public static class ReplayDuty
{
    public const string OperatorPhone = "+8613000009999";

    // Puts the replay's one operator on or off duty (and everyone else off), so the phase decides where callers go.
    public static async Task SetAsync(NpgsqlDataSource db, bool onDuty, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            """
            UPDATE staff SET on_duty = false WHERE username <> 'replay-operator';
            INSERT INTO staff (username, display_name, role, phone, password_hash, on_duty)
            VALUES ('replay-operator', 'Replay operator', 'operator', @phone, 'not-a-password', @onDuty)
            ON CONFLICT (username) DO UPDATE SET on_duty = excluded.on_duty;
            """);
        cmd.Parameters.AddWithValue("phone", OperatorPhone);
        cmd.Parameters.AddWithValue("onDuty", onDuty);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
