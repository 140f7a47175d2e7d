#if SANDBOX_ALIASED
extern alias sandbox;
using sandbox::Hotline.Sandbox;
using sandbox::Hotline.Sandbox.Phones;
#else
using Hotline.Sandbox;
using Hotline.Sandbox.Phones;
#endif
using Npgsql;

namespace Hotline.Replay;

// The wellness phase: the day's flagged residents are registered, their phones told how to behave, and a supervisor
// runs today's round through the console API (POST /api/wellness/round, the recurring job's work). The app then calls
// them at its own pace (Wellness:RateShare of Twilio:CallsPerSecond, real time). Its back-off between attempts
// (Wellness:RetryAfter, 10 to 60 minutes) is day time, though, so the replay acts as the day's clock: once a retry's
// back-off has passed in the day's compressed time it brings next_attempt_at forward, and the app's sweep (or the
// given sweep, in tests) places the attempt, as it would place any overdue one. Over when every check is settled,
// every home visit has been acknowledged by a supervisor and no wellness or alert call is still on the line.
public static class ReplayWellness
{
    // Wellness:Flags in appsettings.json.
    public const string Flag = "elderly_alone";

    public static void SetPhones(IEnumerable<WellnessResident> residents, PhoneBook phones)
    {
        foreach (var resident in residents)
        {
            phones.SetBehaviour(resident.Phone, resident.Kind switch
            {
                "well" => new PhoneBehaviour { Presses = ["1"] },
                // Hangs up once in the urgent queue (nobody dequeues in this phase). Not a fixed time after answering:
                // at 80x two simulated minutes are 1.5 s, and a slow moment before the key press would let the hang-up
                // come first, an attempt without an answer that the rules rightly try again.
                "help" => new PhoneBehaviour { Presses = ["2"], HangupAt = "queue" },
                "no_answer" => new PhoneBehaviour { Answer = AnswerMode.NoAnswer },
                "busy" => new PhoneBehaviour { Answer = AnswerMode.Busy },
                _ => PhoneBehaviour.Default,
            });
        }
    }

    // The supervisor who acknowledges presses 1 on an alert call; the other listens to it and hangs up.
    public static void SetPhones(IEnumerable<ReplaySupervisor> supervisors, PhoneBook phones)
    {
        foreach (var supervisor in supervisors)
        {
            phones.SetBehaviour(supervisor.Phone, new PhoneBehaviour { Presses = supervisor.Acknowledges ? ["1"] : [] });
        }
    }

    // Returns what went wrong (nothing, for a good run); the audit checks the records either way.
    public static async Task<List<string>> RunAsync(ReplayDay day, ReplayPhase phase, NpgsqlDataSource db, SandboxServer sandbox,
        Func<HttpClient> appClient, Func<CancellationToken, Task>? sweep, TimeSpan timeout, Action<string>? log, CancellationToken ct)
    {
        SetPhones(phase.Wellness, sandbox.Phones);
        await RegisterAsync(db, phase.Wellness, ct);

        var supervisor = day.Supervisors.FirstOrDefault() ?? throw new InvalidOperationException("The wellness phase needs a supervisor to start the round.");
        using (var client = appClient())
        {
            if (await ReplayDuty.LogInAsync(client, supervisor.Username, ReplayDuty.SupervisorPassword, ct) is { } problem)
            {
                return [$"wellness: {problem}"];
            }

            using var round = await client.PostAsync("/api/wellness/round", null, ct);
            if (!round.IsSuccessStatusCode)
            {
                return [$"wellness: POST /api/wellness/round: {(int)round.StatusCode} {await round.Content.ReadAsStringAsync(ct)}"];
            }
        }

        var started = DateTime.UtcNow;
        var lastState = "";
        var lastLogged = DateTime.MinValue;
        for (var poll = 0; DateTime.UtcNow - started < timeout; poll++)
        {
            // Real seconds per simulated second of back-off: the day's compression times the sandbox's speed.
            await BringRetriesForwardAsync(db, day.TimeScale / sandbox.Sandbox.Clock.Speed, ct);
            if (sweep is not null)
            {
                await sweep(ct);
            }

            // Retries are brought forward every poll, the state read every fifth (once a second): it scans the day's
            // calls for outbound ones still on the line, about 11 ms of the database a read at 20,000 calls, more as
            // the day grows.
            if (poll % 5 == 0 && await IsOverAsync())
            {
                return [];
            }

            await Task.Delay(200, ct);
        }

        return [$"wellness: not over after {timeout.TotalSeconds:0} s (checks open, home visits unacknowledged, calls on the line: {lastState})"];

        async Task<bool> IsOverAsync()
        {
            var state = await StateAsync(db, ct);
            var over = state.EndsWith(" 0 0 0", StringComparison.Ordinal);
            // Progress every few seconds at most: a big day has hundreds of residents.
            if (state != lastState && (over || DateTime.UtcNow - lastLogged >= TimeSpan.FromSeconds(5)))
            {
                log?.Invoke($"wellness: {state}");
                lastLogged = DateTime.UtcNow;
            }

            lastState = state;
            return over;
        }
    }

    // Registered from the resident list as a supervisor would import it; a caller already known gets the flag added.
    static async Task RegisterAsync(NpgsqlDataSource db, IEnumerable<WellnessResident> residents, CancellationToken ct)
    {
        foreach (var resident in residents)
        {
            await using var cmd = db.CreateCommand(
                """
                INSERT INTO residents (phone, name, flags) VALUES (@phone, @name, ARRAY[@flag])
                ON CONFLICT (phone) DO UPDATE SET name = coalesce(residents.name, excluded.name),
                    flags = ARRAY(SELECT DISTINCT f FROM unnest(residents.flags || excluded.flags) f ORDER BY f)
                """);
            cmd.Parameters.AddWithValue("phone", resident.Phone);
            cmd.Parameters.AddWithValue("name", resident.Name);
            cmd.Parameters.AddWithValue("flag", Flag);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    // A retry is scheduled at updated_at + back-off (real time); due here once back-off * realPerSimulated has passed.
    static async Task BringRetriesForwardAsync(NpgsqlDataSource db, double realPerSimulated, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            UPDATE wellness_checks SET next_attempt_at = now() - interval '1 minute'
            WHERE status = 'pending' AND attempts >= 1 AND next_attempt_at > now() - interval '1 minute'
              AND updated_at + (next_attempt_at - updated_at) * @scale <= now()
            """);
        cmd.Parameters.AddWithValue("scale", realPerSimulated);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    // "checks N, by status ...; open O H C": checks not settled, home visits not acknowledged, wellness and alert calls
    // not over.
    static async Task<string> StateAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            SELECT (SELECT coalesce(string_agg(status || ' ' || n, ', ' ORDER BY status), 'none')
                    FROM (SELECT status, count(*) AS n FROM wellness_checks GROUP BY status) s)
                   || '; open ' || (SELECT count(*) FROM wellness_checks WHERE status IN ('pending', 'calling'))
                   || ' ' || (SELECT count(*) FROM needs WHERE category = 'home_visit' AND status = 'open')
                   || ' ' || (SELECT count(*) FROM calls WHERE direction <> 'inbound' AND purpose IN ('wellness', 'escalation')
                              AND status NOT IN ('completed', 'busy', 'no-answer', 'failed', 'canceled'))
            """);
        return (string)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
