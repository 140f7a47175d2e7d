using Npgsql;

namespace Hotline.Replay;

public static partial class ReplayAudit
{
    // How long after a deadline the ladder's first alert must exist. The ladder runs on an in-process timer at the
    // deadline, backed by the sweep (Escalation:SweepMilliseconds); this leaves room for a loaded machine.
    const int FirstAlertGraceSeconds = 10;

    // A webhook's time is taken when it arrives, before it waits for the need's row lock: an acknowledgement that
    // waited behind the ladder's run can carry a time a little before the alert that run wrote.
    const int AckClockSlackSeconds = 2;

    // Escalations are audited in two ways, because the app's deadlines are real time while the sandbox compresses the
    // day: a need's 5-minute acknowledgement deadline is 5 real minutes whatever the speed, so whether the day's
    // urgent needs reach theirs depends on how long the replay takes on this machine (a 200-call test takes about a
    // minute, so none do; an 80,000-call day takes ten, so thousands do). Expected counts for those would be a
    // guess. So:
    //  - exactly, for the needs whose deadline is not a matter of timing: every home visit is urgent at once
    //    (EscalateNow), so its ladder's first step must text each level-1 supervisor, then call each, and the one
    //    who presses 1 acknowledges it before the ladder climbs: those rows exist exactly once and nothing else does;
    //    each level-1 supervisor's phone received one alert SMS per home visit and the level-2 supervisor's none;
    //  - by invariants that hold whatever the timing, for every alert of the day: each belongs to a need that was
    //    urgent, past its deadline and unacknowledged when it was written; none was written twice; every urgent need
    //    left unacknowledged past its deadline has its first alert, to every level-1 supervisor; a supervisor who
    //    acknowledged a need had been alerted about it; and each alert SMS handed to Twilio reached its supervisor's
    //    phone exactly once (the sandbox's record of what the phones received, not the app's).
    static async Task EscalationsAsync(NpgsqlConnection conn, ReplayExpectations expected, ReplayRun? run, Action<string, object, object> line,
        List<string> problems, CancellationToken ct)
    {
        var ids = (await QueryAsync(conn, "SELECT username, id FROM staff WHERE role = 'supervisor'",
            r => (User: r.GetString(0), Id: r.GetInt64(1)), ct)).ToDictionary(s => s.User, s => s.Id);
        var missing = expected.Supervisors.Where(s => !ids.ContainsKey(s.Username)).ToList();
        if (missing.Count > 0)
        {
            problems.Add($"supervisors missing: {string.Join(", ", missing.Select(s => s.Username))}");
            return;
        }

        var level1 = expected.Supervisors.Where(s => s.Level == 1).ToList();
        var level1Ids = level1.Select(s => ids[s.Username]).Order().ToArray();
        var homeVisits = expected.HomeVisits;
        var homeVisit = "JOIN needs n ON n.id = e.need_id AND n.category = 'home_visit'";

        line($"home visits: first alert SMS to level 1 ({level1.Count} each)", homeVisits * level1.Count, await ScalarAsync(conn,
            $"SELECT count(*)::int FROM escalations e {homeVisit} WHERE e.kind = 'ack' AND e.step = 0 AND e.channel = 'sms' AND e.recipient_id = ANY(@l1)",
            ct, ("l1", level1Ids)));
        line($"home visits: alert calls to level 1 ({level1.Count} each)", homeVisits * level1.Count, await ScalarAsync(conn,
            $"SELECT count(*)::int FROM escalations e {homeVisit} WHERE e.kind = 'ack' AND e.step = 0 AND e.channel = 'voice' AND e.recipient_id = ANY(@l1)",
            ct, ("l1", level1Ids)));
        line("home visits: any other alert (a later step, another level)", 0, await ScalarAsync(conn,
            $"""
            SELECT count(*)::int FROM escalations e {homeVisit}
            WHERE NOT (e.kind = 'ack' AND e.step = 0 AND e.channel IN ('sms', 'voice') AND e.recipient_id = ANY(@l1))
            """, ct, ("l1", level1Ids)));
        if (expected.Supervisors.FirstOrDefault(s => s.Level == 1 && s.Acknowledges) is { } acker)
        {
            line($"home visits acknowledged by {acker.Username} on the alert call", homeVisits, await ScalarAsync(conn,
                """
                SELECT count(*)::int FROM needs n
                WHERE n.category = 'home_visit' AND n.status = 'acknowledged' AND n.acknowledged_by = @id
                  AND EXISTS (SELECT 1 FROM call_events ce JOIN calls c ON c.id = ce.call_id
                              WHERE ce.kind = 'escalation_acknowledged' AND c.need_id = n.id AND c.to_phone = @phone)
                """, ct, ("id", ids[acker.Username]), ("phone", acker.Phone)));
        }

        // The invariants, over every alert of the day.
        line("alerts not owed (need not urgent, before its deadline or acknowledged)", 0, await ScalarAsync(conn,
            $"""
            SELECT count(*)::int FROM escalations e JOIN needs n ON n.id = e.need_id
            WHERE NOT (e.kind = 'ack' AND n.urgency = 'urgent' AND e.created_at >= n.ack_deadline
                       AND (n.acknowledged_at IS NULL OR n.acknowledged_at > e.created_at - interval '{AckClockSlackSeconds} seconds')
                    OR e.kind = 'fulfil' AND n.acknowledged_at IS NOT NULL AND e.created_at >= n.fulfil_deadline
                       AND (n.fulfil_acknowledged_at IS NULL OR n.fulfil_acknowledged_at > e.created_at - interval '{AckClockSlackSeconds} seconds'))
            """, ct));
        line("alerts written twice (need, kind, step, channel, recipient)", 0, await ScalarAsync(conn,
            """
            SELECT count(*)::int FROM (SELECT 1 FROM escalations GROUP BY need_id, kind, step, channel, recipient_id HAVING count(*) > 1) d
            """, ct));
        line($"urgent needs unacknowledged {FirstAlertGraceSeconds} s past deadline, no first alert", 0, await ScalarAsync(conn,
            $"""
            SELECT count(*)::int FROM needs n
            WHERE n.urgency = 'urgent' AND n.status <> 'cancelled' AND n.ack_deadline < now() - interval '{FirstAlertGraceSeconds} seconds'
              AND (n.acknowledged_at IS NULL OR n.acknowledged_at > n.ack_deadline + interval '{FirstAlertGraceSeconds} seconds')
              AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.need_id = n.id AND e.kind = 'ack' AND e.step = 0)
            """, ct));
        line("first alerts that missed a level-1 supervisor", 0, await ScalarAsync(conn,
            """
            SELECT count(*)::int FROM (
                SELECT need_id FROM escalations WHERE kind = 'ack' AND step = 0 GROUP BY need_id
                HAVING coalesce(array_agg(recipient_id ORDER BY recipient_id) FILTER (WHERE channel = 'sms'), '{}') <> @l1) d
            """, ct, ("l1", level1Ids)));
        line("needs acknowledged by a supervisor not alerted about them", 0, await ScalarAsync(conn,
            """
            SELECT count(*)::int FROM needs n JOIN staff s ON s.id = n.acknowledged_by AND s.role = 'supervisor'
            WHERE NOT EXISTS (SELECT 1 FROM escalations e WHERE e.need_id = n.id AND e.recipient_id = s.id)
            """, ct));
        var others = await ScalarAsync(conn, "SELECT count(*)::int FROM escalations e JOIN needs n ON n.id = e.need_id WHERE n.category <> 'home_visit'", ct);
        line("alerts about the day's other urgent needs (reported only)", others, others);

        if (run is null)
        {
            return;
        }

        // What the supervisors' phones received, against the alert SMS the database says were handed to Twilio.
        var sent = await QueryAsync(conn,
            """
            SELECT m.to_phone, m.body FROM escalations e JOIN messages m ON m.id = e.message_id
            WHERE m.message_sid IS NOT NULL
            """, r => (Phone: r.GetString(0), Body: r.GetString(1)), ct);
        var sentSet = sent.ToHashSet();
        // The phones after the database, so that an alert sent meanwhile is in both. The sandbox notes a message just
        // after answering the request that sent it: a message with its SID may need a moment to show on the phone.
        var phones = run.SupervisorSmsNow();
        for (var wait = 0; wait < 30 && Received(phones).Count(sentSet.Contains) < sent.Count; wait++)
        {
            await Task.Delay(100, ct);
            phones = run.SupervisorSmsNow();
        }

        var received = Received(phones);
        line("alert SMS handed to Twilio", sent.Count, sent.Count);
        line("alert SMS received by the supervisors' phones", sent.Count, received.Count(sentSet.Contains));
        line("alert SMS a supervisor received twice (same text)", 0, received.GroupBy(r => r).Sum(g => g.Count() - 1));

        var references = await QueryAsync(conn, "SELECT reference FROM needs WHERE category = 'home_visit'", r => r.GetString(0), ct);
        foreach (var supervisor in expected.Supervisors)
        {
            var bodies = phones.GetValueOrDefault(supervisor.Phone) ?? [];
            line($"home visit alert SMS received by {supervisor.Username}", supervisor.Level == 1 ? homeVisits : 0,
                bodies.Count(b => references.Any(r => b.Contains($" {r} ", StringComparison.Ordinal))));
        }
    }

    static List<(string Phone, string Body)> Received(IReadOnlyDictionary<string, IReadOnlyList<string>> phones) =>
        phones.SelectMany(p => p.Value.Select(body => (Phone: p.Key, Body: body))).ToList();
}
