using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Hotline.Replay;

public static class ReplayDuty
{
    public const string OperatorPhone = "+8613000009999";
    public const string SupervisorPassword = "replay supervisor password";

    // Puts the replay's one operator on or off duty (and every other operator off), so the phase decides where callers
    // go. Supervisors stay as they are: they do not take calls, only alerts.
    public static async Task SetAsync(NpgsqlDataSource db, bool onDuty, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            """
            UPDATE staff SET on_duty = false WHERE role = 'operator' AND username <> 'replay-operator';
            INSERT INTO staff (username, display_name, role, phone, password_hash, on_duty)
            VALUES ('replay-operator', 'Replay operator', 'operator', @phone, 'not-a-password', @onDuty)
            ON CONFLICT (username) DO UPDATE SET on_duty = excluded.on_duty;
            """);
        cmd.Parameters.AddWithValue("phone", OperatorPhone);
        cmd.Parameters.AddWithValue("onDuty", onDuty);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    // Logs the client in to the console API and has it send the CSRF token with every later request, as the console's
    // page does; null once logged in, else why not.
    public static async Task<string?> LogInAsync(HttpClient client, string username, string password, CancellationToken ct)
    {
        using var login = await client.PostAsJsonAsync("/api/auth/login", new { username, password }, ct);
        if (!login.IsSuccessStatusCode)
        {
            return $"{username} could not log in: {(int)login.StatusCode}";
        }

        var csrf = await client.GetFromJsonAsync<CsrfToken>("/api/auth/csrf", ct);
        client.DefaultRequestHeaders.Add("X-CSRF-TOKEN", csrf!.Token);
        return null;
    }

    sealed record CsrfToken(string Token);

    // The day's supervisors, on duty on their escalation level with a phone, able to log in to the console.
    public static async Task AddSupervisorsAsync(NpgsqlDataSource db, IEnumerable<ReplaySupervisor> supervisors, CancellationToken ct = default)
    {
        var hash = new PasswordHasher<object>().HashPassword(new object(), SupervisorPassword);
        foreach (var supervisor in supervisors)
        {
            await using var cmd = db.CreateCommand(
                """
                INSERT INTO staff (username, display_name, role, phone, password_hash, on_duty, escalation_level, language)
                VALUES (@username, @username, 'supervisor', @phone, @hash, true, @level, 'en-US')
                ON CONFLICT (username) DO UPDATE SET phone = excluded.phone, password_hash = excluded.password_hash, on_duty = true,
                    escalation_level = excluded.escalation_level, language = excluded.language
                """);
            cmd.Parameters.AddWithValue("username", supervisor.Username);
            cmd.Parameters.AddWithValue("phone", supervisor.Phone);
            cmd.Parameters.AddWithValue("hash", hash);
            cmd.Parameters.AddWithValue("level", supervisor.Level);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }
}
