using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Hotline.Replay;

// The staffed phase's operators, working through the console API as a person would: log in, go on duty, "take next
// call" (the app rings their phone through the sandbox and bridges the front caller), acknowledge and resolve the
// caller's need, go off duty when their shift ends. One caller at a time, in the order they call, so who takes whom
// is the script's decision and the audit can check it.
public sealed class ReplayOperators(NpgsqlDataSource db, Func<HttpClient> newClient, ReplayRules rules, Action<string>? log = null)
{
    const string Password = "replay operator password";
    static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    readonly Dictionary<string, HttpClient> clients = new(StringComparer.Ordinal);
    readonly HashSet<string> onDuty = new(StringComparer.Ordinal);

    // Before the phase's first caller dials: the operators exist, are logged in, and the first shift is on duty.
    public async Task PrepareAsync(ReplayPhase phase, CancellationToken ct = default)
    {
        foreach (var shift in phase.Shifts.DistinctBy(s => s.Username))
        {
            await AddOperatorAsync(shift, ct);
            clients[shift.Username] = await LogInAsync(shift.Username, ct);
        }

        await ChangeShiftsAsync(phase, 0, ct);
    }

    // Takes the phase's callers one by one; returns what went wrong (nothing, for a good run). The audit checks the
    // records either way. placeCall(i) has caller i dial in: each caller calls when the operators are ready for them,
    // so however slow the machine, nobody waits out Ivr:MaxWaitSeconds while the previous caller is being served.
    public async Task<List<string>> WorkAsync(ReplayPhase phase, Action<int> placeCall, CancellationToken ct = default)
    {
        var problems = new List<string>();
        try
        {
            for (var i = 0; i < phase.Scenario.Callers.Count; i++)
            {
                await ChangeShiftsAsync(phase, i, ct);
                var taker = DayGenerator.OperatorFor(phase.Shifts, i);
                var started = System.Diagnostics.Stopwatch.StartNew();
                placeCall(i);
                var problem = await TakeOneAsync(clients[taker.Username], ct);
                if (problem is not null)
                {
                    problems.Add($"caller {i + 1} ({phase.Scenario.Callers[i].From}), {taker.Username}: {problem}");
                }

                log?.Invoke($"caller {i + 1}/{phase.Scenario.Callers.Count}: {taker.Username}, {started.Elapsed.TotalSeconds:0.0} s{(problem is null ? "" : ": " + problem)}");
            }

            foreach (var username in onDuty.ToList())
            {
                await SetDutyAsync(clients[username], false, ct);
                onDuty.Remove(username);
            }
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }

        return problems;
    }

    // Whoever's shift covers caller i is on duty, nobody else.
    async Task ChangeShiftsAsync(ReplayPhase phase, int i, CancellationToken ct)
    {
        foreach (var username in phase.Shifts.Select(s => s.Username).Distinct())
        {
            var should = phase.Shifts.Any(s => s.Username == username && s.From <= i && i < s.To);
            if (should != onDuty.Contains(username))
            {
                await SetDutyAsync(clients[username], should, ct);
                _ = should ? onDuty.Add(username) : onDuty.Remove(username);
            }
        }
    }

    async Task<string?> TakeOneAsync(HttpClient client, CancellationToken ct)
    {
        // Someone must be waiting, or the operator is told that nobody is.
        if (!await WaitUntilAsync("SELECT count(*) > 0 FROM calls WHERE stage = 'queue' AND direction = 'inbound' AND outcome IS NULL", null, ct))
        {
            return "nobody reached the queue";
        }

        // The bridge is recorded on the caller's call, which only Twilio picks: the wait below looks through the events
        // written since this request, by primary key, rather than the whole day's (a scan that grew with every call).
        var eventsBefore = await ScalarAsync<long>("SELECT coalesce(max(id), 0) FROM call_events", 0, ct);
        using var response = await client.PostAsync("/api/board/take-next", null, ct);
        if (!response.IsSuccessStatusCode)
        {
            return $"take next call refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}";
        }

        var operatorCallId = (await response.Content.ReadFromJsonAsync<TakeNextAnswer>(ct))!.CallId;
        var needId = await WaitForAsync<long>(
            $"""
            SELECT n.id FROM call_events e JOIN needs n ON n.call_id = e.call_id
            WHERE e.id > {eventsBefore} AND e.kind = 'bridged' AND e.detail = 'to operator call ' || @id
            """, operatorCallId, ct);
        if (needId is null)
        {
            return $"no caller bridged to operator call {operatorCallId}";
        }

        var category = await ScalarAsync<string>("SELECT category FROM needs WHERE id = @id", needId.Value, ct);
        foreach (var (path, body) in new (string, object?)[]
                 {
                     ($"/api/needs/{needId}/acknowledge", null),
                     ($"/api/needs/{needId}/resolve", new { outcome = rules.Resolutions[category!], note = "Replay: done on the call." }),
                 })
        {
            using var answer = await client.PostAsJsonAsync(path, body, ct);
            if (!answer.IsSuccessStatusCode)
            {
                return $"{path}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync(ct)}";
            }
        }

        // The operator's phone must be free again before their next "take next call".
        return await WaitUntilAsync("SELECT status IN ('completed', 'busy', 'no-answer', 'failed', 'canceled') FROM calls WHERE id = @id", operatorCallId, ct)
            ? null
            : $"operator call {operatorCallId} did not end";
    }

    async Task AddOperatorAsync(OperatorShift shift, CancellationToken ct)
    {
        var hash = new PasswordHasher<object>().HashPassword(new object(), Password);
        await using var cmd = db.CreateCommand(
            """
            INSERT INTO staff (username, display_name, role, phone, password_hash, on_duty)
            VALUES (@username, @username, 'operator', @phone, @hash, false)
            ON CONFLICT (username) DO UPDATE SET phone = excluded.phone, password_hash = excluded.password_hash, on_duty = false
            """);
        cmd.Parameters.AddWithValue("username", shift.Username);
        cmd.Parameters.AddWithValue("phone", shift.Phone);
        cmd.Parameters.AddWithValue("hash", hash);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    async Task<HttpClient> LogInAsync(string username, CancellationToken ct)
    {
        var client = newClient();
        return await ReplayDuty.LogInAsync(client, username, Password, ct) is { } problem ? throw new InvalidOperationException(problem) : client;
    }

    static async Task SetDutyAsync(HttpClient client, bool onDuty, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync("/api/staff/me/duty", new { onDuty }, ct);
        response.EnsureSuccessStatusCode();
    }

    async Task<bool> WaitUntilAsync(string sql, long? id, CancellationToken ct) =>
        await WaitForAsync<bool>($"SELECT 1 WHERE ({sql}) IS TRUE", id, ct) is not null;

    // Polls until the query returns a row (its first column), or gives up after StepTimeout.
    async Task<T?> WaitForAsync<T>(string sql, long? id, CancellationToken ct) where T : struct
    {
        var deadline = DateTime.UtcNow + StepTimeout;
        while (DateTime.UtcNow < deadline)
        {
            await using var cmd = db.CreateCommand(sql);
            cmd.Parameters.AddWithValue("id", id ?? 0);
            if (await cmd.ExecuteScalarAsync(ct) is { } value and not DBNull)
            {
                return (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
            }

            await Task.Delay(50, ct);
        }

        return null;
    }

    async Task<T?> ScalarAsync<T>(string sql, long id, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.AddWithValue("id", id);
        return (T?)await cmd.ExecuteScalarAsync(ct);
    }

    sealed record TakeNextAnswer(long CallId, string Queue);
}
