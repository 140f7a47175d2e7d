#if SANDBOX_ALIASED
// The test project sees the sandbox under an alias (both apps have a public Program class).
extern alias sandbox;
using sandbox::Hotline.Sandbox;
using sandbox::Hotline.Sandbox.Calls;
using sandbox::Hotline.Sandbox.Cli;
#else
using Hotline.Sandbox;
using Hotline.Sandbox.Calls;
using Hotline.Sandbox.Cli;
#endif
using System.Text.Json;
using Npgsql;

namespace Hotline.Replay;

// What playing a day left behind besides the database: SMS answered in TwiML (no row), webhook requests that failed,
// anything the staffed phase's operators or the wellness phase could not do, and what the sandbox's phones received:
// the SMS each supervisor got, and how many calls rang each wellness resident's phone.
public sealed record ReplayRun(int SmsAnswered, IReadOnlyList<string> FailedRequests, IReadOnlyList<string> OperatorProblems)
{
    public IReadOnlyList<string> WellnessProblems { get; init; } = [];
    // Read when asked, not when the day ends: the ladder goes on alerting about the day's unacknowledged needs while
    // the audit runs, so the audit reads the database first and the phones after it.
    public Func<IReadOnlyDictionary<string, IReadOnlyList<string>>> SupervisorSmsNow { get; init; } = () => new Dictionary<string, IReadOnlyList<string>>();
    public IReadOnlyDictionary<string, int> WellnessCallsRung { get; init; } = new Dictionary<string, int>();

    public IEnumerable<string> Problems => FailedRequests.Concat(OperatorProblems).Concat(WellnessProblems);
}

// Plays a ReplayDay's phases through the sandbox's scenario format and resident simulator, one after the other, at the
// clock's speed (a phase's MaxSpeed caps it), waiting for the database to go quiet after each.
public static class ReplayPlayer
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // appClient: a new HttpClient (with its own cookies) to the app, for the staffed phase's operators and the supervisor
    // who starts the wellness round. wellnessSweep: runs the app's wellness sweep (tests); null leaves it to the app's
    // own timer (Wellness:SweepSeconds).
    public static async Task<ReplayRun> PlayAsync(ReplayDay day, NpgsqlDataSource db, SandboxServer sandbox, Func<HttpClient> appClient,
        TimeSpan stableFor, TimeSpan quietTimeout, Action<string>? log = null, Func<CancellationToken, Task>? wellnessSweep = null,
        CancellationToken ct = default)
    {
        var answered = 0;
        var failed = new List<string>();
        var operatorProblems = new List<string>();
        var wellnessProblems = new List<string>();
        var clock = sandbox.Sandbox.Clock;
        var speed = clock.Speed;
        ReplayWellness.SetPhones(day.Supervisors, sandbox.Phones);
        await ReplayDuty.AddSupervisorsAsync(db, day.Supervisors, ct);
        try
        {
            foreach (var phase in day.Phases)
            {
                clock.Speed = Math.Min(speed, phase.MaxSpeed ?? speed);
                log?.Invoke($"phase {phase.Name}: {phase.Scenario.Callers.Count} calls, {phase.Scenario.Sms.Count} SMS, " +
                            (phase.Wellness.Count > 0 ? $"{phase.Wellness.Count} wellness residents, " : "") +
                            (phase.Shifts.Count > 0 ? $"{phase.Shifts.Count} operators in shifts" : $"operator {(phase.OperatorOnDuty ? "on" : "off")} duty") +
                            $", {clock.Speed}x");
                await ReplayDuty.SetAsync(db, phase.OperatorOnDuty, ct);
                var staff = phase.Shifts.Count > 0 ? new ReplayOperators(db, appClient, new ReplayRules(), log) : null;
                if (staff is not null)
                {
                    await staff.PrepareAsync(phase, ct);
                }

                var scenario = JsonSerializer.Deserialize<Scenario>(JsonSerializer.Serialize(phase.Scenario, Json), Json)!;
                var scripts = scenario.Calls().ToList();
                var calls = staff is not null ? [] : scripts.Select(async c =>
                {
                    await clock.DelayAsync(c.At, ct);
                    return await sandbox.Residents.CallAsync(c.Script, ct);
                }).ToList();
                var sms = scenario.Sms.Select(async s =>
                {
                    await clock.DelayAsync(Durations.Parse(s.At ?? "0"), ct);
                    return await sandbox.Residents.SendSmsAsync(s.From, s.Body, ct, s.To);
                }).ToList();
                // In a staffed phase the operators have each caller dial in when they are ready for them.
                var operators = staff?.WorkAsync(phase, i => calls.Add(sandbox.Residents.CallAsync(scripts[i].Script, ct)), ct)
                                ?? Task.FromResult(new List<string>());

                operatorProblems.AddRange(await operators);
                if (phase.Wellness.Count > 0)
                {
                    // The round paces its calls and the ladder its alert calls in real time: give them two minutes at least.
                    var wellnessTimeout = quietTimeout > TimeSpan.FromMinutes(2) ? quietTimeout : TimeSpan.FromMinutes(2);
                    wellnessProblems.AddRange(await ReplayWellness.RunAsync(day, phase, db, sandbox, appClient, wellnessSweep, wellnessTimeout, log, ct));
                }

                var transcripts = await Task.WhenAll(calls);
                var replies = await Task.WhenAll(sms);
                failed.AddRange(transcripts.SelectMany(t => t.Requests).Concat(replies.SelectMany(r => r.Requests)).Where(r => !r.Succeeded)
                    .Select(r => $"{phase.Name}: {r.Url} -> {r.Status} {r.Error} {(r.Body.Length > 300 ? r.Body[..300] : r.Body)}"));
                answered += replies.Count(r => r.Replies.Count == 1);
                log?.Invoke($"phase {phase.Name} played; waiting for the database to go quiet");
                await ReplayAudit.WaitForQuietAsync(db, stableFor, quietTimeout, ct);
            }
        }
        finally
        {
            clock.Speed = speed;
        }

        await ReplayDuty.SetAsync(db, onDuty: false, ct);
        var residents = day.Phases.SelectMany(p => p.Wellness).Select(w => w.Phone).Distinct();
        return new ReplayRun(answered, failed, operatorProblems)
        {
            WellnessProblems = wellnessProblems,
            SupervisorSmsNow = () => day.Supervisors.ToDictionary(s => s.Phone, s => (IReadOnlyList<string>)sandbox.Phones.MessagesTo(s.Phone).Select(m => m.Body).ToList()),
            WellnessCallsRung = residents.ToDictionary(p => p, p => sandbox.Phones.CallsOf(p).Count(c => c.Role == "rang")),
        };
    }
}
