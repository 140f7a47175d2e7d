using System.Text;
using Npgsql;

namespace Hotline.Replay;

// Compares the database after a replay with what the day should have left behind.
public sealed record AuditLine(string Kind, string Expected, string Found)
{
    public bool Ok => Expected == Found;
}

public sealed record AuditResult(IReadOnlyList<AuditLine> Lines, IReadOnlyList<string> Problems)
{
    public bool Ok => Lines.All(l => l.Ok) && Problems.Count == 0;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine($"{"kind",-62} {"expected",10} {"found",10}");
        foreach (var line in Lines)
        {
            text.AppendLine($"{line.Kind,-62} {line.Expected,10} {line.Found,10}{(line.Ok ? "" : "   <-- MISMATCH")}");
        }

        foreach (var problem in Problems.Take(50))
        {
            text.AppendLine("  " + problem);
        }

        if (Problems.Count > 50)
        {
            text.AppendLine($"  ... and {Problems.Count - 50} more");
        }

        text.AppendLine(Ok ? "AUDIT OK" : "AUDIT FAILED");
        return text.ToString();
    }
}

public static partial class ReplayAudit
{
    // run: what the sandbox saw (inbound SMS answered with a reference, which leaves no row; what the supervisors' and
    // the wellness residents' phones received); null audits the database alone.
    public static async Task<AuditResult> RunAsync(NpgsqlDataSource db, ReplayExpectations expected, ReplayRun? run, CancellationToken ct = default)
    {
        var smsReplies = run?.SmsAnswered;
        await using var conn = await db.OpenConnectionAsync(ct);
        var lines = new List<AuditLine>();
        var problems = new List<string>();
        void Line(string kind, object e, object f) => lines.Add(new AuditLine(kind, e.ToString()!, f.ToString()!));

        // Calls: one inbound row per call, with the right outcome; per caller as well as in total.
        var calls = await QueryAsync(conn, "SELECT from_phone, coalesce(outcome, '(none)') FROM calls WHERE direction = 'inbound'",
            r => (Phone: r.GetString(0), Outcome: r.GetString(1)), ct);
        Line("calls (inbound)", expected.Calls, calls.Count);
        var foundOutcomes = calls.GroupBy(c => c.Outcome).ToDictionary(g => g.Key, g => g.Count());
        foreach (var outcome in expected.Outcomes.Keys.Union(foundOutcomes.Keys).Order(StringComparer.Ordinal))
        {
            Line($"calls outcome={outcome}", expected.Outcomes.GetValueOrDefault(outcome), foundOutcomes.GetValueOrDefault(outcome));
        }

        var byPhone = calls.GroupBy(c => c.Phone).ToDictionary(g => g.Key, g => g.Select(c => c.Outcome).Order(StringComparer.Ordinal).ToList());
        var wrongCallers = new List<string>();
        foreach (var phone in expected.OutcomesByPhone.Keys.Union(byPhone.Keys).Order(StringComparer.Ordinal))
        {
            var e = expected.OutcomesByPhone.GetValueOrDefault(phone) ?? [];
            var f = byPhone.GetValueOrDefault(phone) ?? [];
            if (!e.SequenceEqual(f))
            {
                wrongCallers.Add(phone);
                problems.Add($"caller {phone}: expected [{string.Join(", ", e)}], found [{string.Join(", ", f)}]");
            }
        }

        // What happened on the first few wrong callers' calls (listed first), so a mismatch says why and not only that.
        problems.InsertRange(0, await QueryAsync(conn,
            """
            SELECT c.from_phone, string_agg(e.kind || coalesce(' (' || e.detail || ')', ''), ' > ' ORDER BY e.id)
            FROM calls c JOIN call_events e ON e.call_id = c.id
            WHERE c.direction = 'inbound' AND c.from_phone = ANY(@phones)
            GROUP BY c.id, c.from_phone ORDER BY c.id
            """, r => $"events of {r.GetString(0)}: {r.GetString(1)}", ct, ("phones", wrongCallers.Take(5).ToArray())));

        // The sandbox's clock scales real time too: every millisecond the app takes is `speed` ms of a caller's wait. A
        // replay faster than the machine answers times callers out of the queue before their scripted key press; the
        // app is right to, the day's expectations are not, and this line says so instead of a wall of wrong outcomes.
        var timeouts = await ScalarAsync(conn, "SELECT count(DISTINCT call_id)::int FROM call_events WHERE kind = 'queue_timeout'", ct);
        Line("calls that waited out Ivr:MaxWaitSeconds", expected.QueueTimeouts, timeouts);
        if (timeouts > expected.QueueTimeouts)
        {
            problems.Insert(0, $"{timeouts - expected.QueueTimeouts} more callers than scripted waited out the queue limit: at this speed the app's " +
                               "answer time, multiplied by the speed, became queue time; replay slower (docs/benchmarks.md).");
        }

        // Needs by source and category.
        var needs = await QueryAsync(conn, "SELECT source || '/' || category, count(*)::int FROM needs GROUP BY 1",
            r => (Key: r.GetString(0), Count: r.GetInt32(1)), ct);
        Line("needs", expected.Needs.Values.Sum(), needs.Sum(n => n.Count));
        var foundNeeds = needs.ToDictionary(n => n.Key, n => n.Count);
        foreach (var key in expected.Needs.Keys.Union(foundNeeds.Keys).Order(StringComparer.Ordinal))
        {
            Line($"needs {key}", expected.Needs.GetValueOrDefault(key), foundNeeds.GetValueOrDefault(key));
        }

        var needRows = await QueryAsync(conn, "SELECT phone, source || '/' || category FROM needs",
            r => (Phone: r.GetString(0), Need: r.GetString(1)), ct);
        var needsByPhone = needRows.GroupBy(n => n.Phone).ToDictionary(g => g.Key, g => g.Select(n => n.Need).Order(StringComparer.Ordinal).ToList());
        foreach (var phone in expected.NeedsByPhone.Keys.Union(needsByPhone.Keys).Order(StringComparer.Ordinal))
        {
            var e = expected.NeedsByPhone.GetValueOrDefault(phone) ?? [];
            var f = needsByPhone.GetValueOrDefault(phone) ?? [];
            if (!e.SequenceEqual(f))
            {
                problems.Add($"needs of {phone}: expected [{string.Join(", ", e)}], found [{string.Join(", ", f)}]");
            }
        }

        var callsWithTwoNeeds = await ScalarAsync(conn, "SELECT count(*)::int FROM (SELECT call_id FROM needs WHERE call_id IS NOT NULL GROUP BY call_id HAVING count(*) > 1) d", ct);
        Line("calls with more than one need", 0, callsWithTwoNeeds);

        // Voicemails: one per recorded call, with its transcript and a need.
        var voicemails = await QueryAsync(conn,
            "SELECT c.from_phone, coalesce(v.transcript, '(none)'), v.need_id IS NOT NULL FROM voicemails v JOIN calls c ON c.id = v.call_id",
            r => (Phone: r.GetString(0), Transcript: r.GetString(1), HasNeed: r.GetBoolean(2)), ct);
        Line("voicemails", expected.Voicemails, voicemails.Count);
        Line("voicemails with a transcript", expected.Voicemails, voicemails.Count(v => v.Transcript != "(none)"));
        Line("voicemails with a need", expected.Voicemails, voicemails.Count(v => v.HasNeed));
        var vmByPhone = voicemails.GroupBy(v => v.Phone).ToDictionary(g => g.Key, g => g.Select(v => v.Transcript).Order(StringComparer.Ordinal).ToList());
        foreach (var phone in expected.VoicemailsByPhone.Keys.Union(vmByPhone.Keys).Order(StringComparer.Ordinal))
        {
            var e = expected.VoicemailsByPhone.GetValueOrDefault(phone) ?? [];
            var f = vmByPhone.GetValueOrDefault(phone) ?? [];
            if (!e.SequenceEqual(f))
            {
                problems.Add($"voicemails from {phone}: expected [{string.Join(" | ", e)}], found [{string.Join(" | ", f)}]");
            }
        }

        // Messages: every SMS received stored once; one outbound reply per SMS and per voicemail; nothing sent twice.
        Line("sms received", expected.InboundSms, await ScalarAsync(conn, "SELECT count(*)::int FROM messages WHERE direction = 'inbound'", ct));
        if (smsReplies is { } replies)
        {
            Line("sms answered with a reference", expected.SmsReplies, replies);
        }

        Line("sms sent (reference codes)", expected.OutboundSms, await ScalarAsync(conn,
            "SELECT count(*)::int FROM messages WHERE direction = 'outbound' AND purpose = 'reference_code'", ct));
        Line("sms sent twice (same dedupe key)", 0, await ScalarAsync(conn,
            "SELECT count(*)::int FROM (SELECT dedupe_key FROM messages WHERE dedupe_key IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d", ct));
        Line("sms sent twice (same phone and body)", 0, await ScalarAsync(conn,
            "SELECT count(*)::int FROM (SELECT to_phone, body FROM messages WHERE direction = 'outbound' GROUP BY 1, 2 HAVING count(*) > 1) d", ct));
        Line("voicemail needs without a reference sms", 0, await ScalarAsync(conn,
            """
            SELECT count(*)::int FROM voicemails v
            WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.direction = 'outbound' AND m.need_id = v.need_id)
            """, ct));

        // The staffed phase: who took which callers, and every one of their needs acknowledged and resolved by them.
        if (expected.AnsweredBy.Count > 0)
        {
            var takenBy = await QueryAsync(conn,
                """
                SELECT s.username, count(*)::int FROM call_events e
                JOIN calls o ON e.detail = 'to operator call ' || o.id JOIN staff s ON s.phone = o.to_phone
                WHERE e.kind = 'bridged' GROUP BY 1
                """, r => (User: r.GetString(0), Count: r.GetInt32(1)), ct);
            var resolvedBy = await QueryAsync(conn,
                """
                SELECT s.username, count(*)::int FROM needs n JOIN staff s ON s.id = n.acknowledged_by
                WHERE n.status = 'resolved' AND EXISTS (SELECT 1 FROM audit_log a WHERE a.entity = 'need' AND a.entity_id = n.id
                                                         AND a.action = 'resolved' AND a.staff_id = s.id)
                GROUP BY 1
                """, r => (User: r.GetString(0), Count: r.GetInt32(1)), ct);
            foreach (var user in expected.AnsweredBy.Keys)
            {
                Line($"callers taken by {user}", expected.AnsweredBy[user], takenBy.FirstOrDefault(t => t.User == user).Count);
                Line($"needs acknowledged + resolved by {user}", expected.AnsweredBy[user], resolvedBy.FirstOrDefault(t => t.User == user).Count);
            }

            var resolutions = await QueryAsync(conn, "SELECT coalesce(resolution, '(none)'), count(*)::int FROM needs WHERE status = 'resolved' GROUP BY 1",
                r => (Key: r.GetString(0), Count: r.GetInt32(1)), ct);
            foreach (var key in expected.Resolutions.Keys.Union(resolutions.Select(r => r.Key)).Order(StringComparer.Ordinal))
            {
                Line($"needs resolved {key}", expected.Resolutions.GetValueOrDefault(key), resolutions.FirstOrDefault(r => r.Key == key).Count);
            }

            var taken = expected.AnsweredBy.Values.Sum();
            Line("needs acknowledged by operators (audit log)", taken, await ScalarAsync(conn,
                """
                SELECT count(*)::int FROM audit_log a JOIN staff s ON s.id = a.staff_id AND s.role = 'operator'
                WHERE a.entity = 'need' AND a.action = 'acknowledged'
                """, ct));
            Line("needs resolved, their call not answered", 0, await ScalarAsync(conn,
                "SELECT count(*)::int FROM needs n JOIN calls c ON c.id = n.call_id WHERE n.status = 'resolved' AND c.outcome IS DISTINCT FROM 'answered'", ct));
            Line("take-next calls to operators (completed)", taken, await ScalarAsync(conn,
                "SELECT count(*)::int FROM calls WHERE purpose = 'take_next' AND status = 'completed'", ct));
            Line("take-next calls to operators (other)", 0, await ScalarAsync(conn,
                "SELECT count(*)::int FROM calls WHERE purpose = 'take_next' AND status <> 'completed'", ct));
            Line("operators who came on duty", expected.AnsweredBy.Count, await ScalarAsync(conn,
                "SELECT count(*)::int FROM staff WHERE role = 'operator' AND duty_changed_at IS NOT NULL", ct));
            Line("operators on duty at the end", 0, await ScalarAsync(conn, "SELECT count(*)::int FROM staff WHERE on_duty AND role = 'operator'", ct));
        }

        // Tables landing with other features: counted when present.
        if (await TableExistsAsync(conn, "callbacks", ct))
        {
            Line("callback requests (one per asking call)", expected.CallbackRequests, await ScalarAsync(conn,
                "SELECT count(*)::int FROM callback_events WHERE dedupe_key LIKE 'request:call:%'", ct));
            Line("callbacks: phones with one", expected.CallbackPhones, await ScalarAsync(conn, "SELECT count(DISTINCT phone)::int FROM callbacks", ct));
            Line("callbacks: phones with two open", 0, await ScalarAsync(conn,
                "SELECT count(*)::int FROM (SELECT phone FROM callbacks WHERE status IN ('pending', 'dialing') GROUP BY 1 HAVING count(*) > 1) d", ct));
            Line("callbacks from pressing 1 in the queue", expected.Callbacks, await ScalarAsync(conn,
                "SELECT count(*)::int FROM callback_events WHERE dedupe_key LIKE 'request:call:%' AND detail LIKE 'queue_request%'", ct));
        }

        if (expected.Wellness.Count > 0)
        {
            await WellnessAsync(conn, expected, run, Line, problems, ct);
        }

        if (expected.Supervisors.Count > 0)
        {
            await EscalationsAsync(conn, expected, run, Line, problems, ct);
        }

        return new AuditResult(lines, problems);
    }

    // A cheap fingerprint of what the app writes for the day's callers, to tell when it has gone quiet: their calls'
    // events since `eventsAfter` (an id read when the wait began, so the count reads only the wait's own events), calls
    // not yet over, needs, voicemails and transcripts, and messages. The escalation ladder is left out: it goes on
    // alerting about unacknowledged needs for as long as they stay so (at 80,000 calls, six minutes of alert calls and
    // SMS after the day's last call), and the audit checks its alerts by invariants that hold at any moment.
    static async Task<string> FingerprintAsync(NpgsqlConnection conn, long eventsAfter, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            SELECT (SELECT count(*) FROM call_events e JOIN calls c ON c.id = e.call_id
                    WHERE e.id > @after AND c.purpose IS DISTINCT FROM 'escalation')
                   || '/' || (SELECT count(*) FROM calls WHERE outcome IS NULL AND purpose IS DISTINCT FROM 'escalation')
                   || '/' || (SELECT count(*) FROM needs) || '/' || (SELECT count(*) FROM voicemails)
                   || '/' || (SELECT count(*) FROM voicemails WHERE transcript IS NULL)
                   || '/' || (SELECT count(*) FROM messages WHERE purpose IS DISTINCT FROM 'escalation')
            """, conn);
        cmd.Parameters.AddWithValue("after", eventsAfter);
        return (string)(await cmd.ExecuteScalarAsync(ct))!;
    }

    // Polls until the fingerprint has not changed for `stableFor`, or gives up. Counting every event of the day instead
    // took 130 ms at 870,000 events, four times a second.
    public static async Task WaitForQuietAsync(NpgsqlDataSource db, TimeSpan stableFor, TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var lastEvent = new NpgsqlCommand("SELECT coalesce(max(id), 0) FROM call_events", conn);
        var eventsAfter = (long)(await lastEvent.ExecuteScalarAsync(ct))!;
        var last = "";
        var since = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            var now = await FingerprintAsync(conn, eventsAfter, ct);
            if (now != last)
            {
                last = now;
                since = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - since >= stableFor)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }
    }

    static async Task<bool> TableExistsAsync(NpgsqlConnection conn, string table, CancellationToken ct) =>
        await ScalarAsync(conn, $"SELECT count(*)::int FROM pg_tables WHERE schemaname = current_schema() AND tablename = '{table}'", ct) > 0;

    static async Task<int> ScalarAsync(NpgsqlConnection conn, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    static async Task<List<T>> QueryAsync<T>(NpgsqlConnection conn, string sql, Func<NpgsqlDataReader, T> map, CancellationToken ct,
        params (string Name, object Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}
