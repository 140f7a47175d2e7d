using Npgsql;

namespace Hotline.Replay;

public static partial class ReplayAudit
{
    // The wellness round, against what the rules make of each resident's phone (DayGenerator): every flagged resident
    // has exactly one check today with the right final status, number of attempts, last result and need; one call per
    // attempt, as the database and the phones themselves count them; nobody called more often than Wellness allows.
    static async Task WellnessAsync(NpgsqlConnection conn, ReplayExpectations expected, ReplayRun? run, Action<string, object, object> line,
        List<string> problems, CancellationToken ct)
    {
        var checks = await QueryAsync(conn,
            """
            SELECT w.phone, w.status, w.attempts, coalesce(w.last_result, ''), n.source || '/' || n.category, placed.calls, placed.trail
            FROM wellness_checks w LEFT JOIN needs n ON n.id = w.need_id
            CROSS JOIN LATERAL (
                SELECT count(*)::int AS calls,
                       string_agg('call ' || c.id || ' ' || coalesce(c.status, '?') || ': '
                           || coalesce((SELECT string_agg(e.kind, ' > ' ORDER BY e.id) FROM call_events e WHERE e.call_id = c.id), ''),
                           '; ' ORDER BY c.id) AS trail
                FROM calls c WHERE c.purpose = 'wellness' AND c.dedupe_key LIKE 'wellness:' || w.id || ':%') placed
            """,
            r => (Phone: r.GetString(0), Status: r.GetString(1), Attempts: r.GetInt32(2), Result: r.GetString(3),
                  Need: r.IsDBNull(4) ? null : r.GetString(4), Calls: r.GetInt32(5), Trail: r.IsDBNull(6) ? "no calls" : r.GetString(6)), ct);
        line("wellness checks", expected.Wellness.Count, checks.Count);
        var byStatus = checks.GroupBy(c => c.Status).ToDictionary(g => g.Key, g => g.Count());
        var expectedByStatus = expected.Wellness.Values.GroupBy(w => w.Status).ToDictionary(g => g.Key, g => g.Count());
        foreach (var status in expectedByStatus.Keys.Union(byStatus.Keys).Order(StringComparer.Ordinal))
        {
            line($"wellness checks status={status}", expectedByStatus.GetValueOrDefault(status), byStatus.GetValueOrDefault(status));
        }

        var found = checks.GroupBy(c => c.Phone).ToDictionary(g => g.Key, g => g.ToList());
        var right = 0;
        foreach (var phone in expected.Wellness.Keys.Union(found.Keys).Order(StringComparer.Ordinal))
        {
            var e = expected.Wellness.GetValueOrDefault(phone);
            var f = found.GetValueOrDefault(phone) ?? [];
            // With each call's event trail, so that a wrong check says what its calls went through.
            var describe = string.Join(" + ", f.Select(c => $"{c.Status}, {c.Attempts} attempts, '{c.Result}', need {c.Need ?? "none"} ({c.Trail})"));
            if (e is not null && f.Count == 1 && f[0] is var one
                && (one.Status, one.Attempts, one.Result, one.Need) == (e.Status, e.Attempts, e.LastResult, e.Need))
            {
                right++;
            }
            else
            {
                problems.Add(e is null
                    ? $"wellness check of {phone}, who is not due one: {describe}"
                    : $"wellness check of {phone}: expected {e.Status}, {e.Attempts} attempts, '{e.LastResult}', need {e.Need ?? "none"}; found {(f.Count == 0 ? "none" : describe)}");
            }
        }

        line("wellness checks as the rules say (status, attempts, result, need)", expected.Wellness.Count, right);
        line("wellness calls placed (one per attempt)", expected.Wellness.Values.Sum(w => w.Attempts),
            await ScalarAsync(conn, "SELECT count(*)::int FROM calls WHERE purpose = 'wellness'", ct));
        line("wellness checks whose calls differ from their attempts", 0, checks.Count(c => c.Calls != c.Attempts));
        line($"residents called more than {expected.WellnessMaxAttempts} times in a day", 0, await ScalarAsync(conn,
            "SELECT count(*)::int FROM (SELECT to_phone FROM calls WHERE purpose = 'wellness' GROUP BY 1 HAVING count(*) > @max) d", ct,
            ("max", expected.WellnessMaxAttempts)));
        if (run is not null)
        {
            line("wellness calls that rang the residents' phones", expected.Wellness.Values.Sum(w => w.Attempts), run.WellnessCallsRung.Values.Sum());
            foreach (var (phone, e) in expected.Wellness)
            {
                if (run.WellnessCallsRung.GetValueOrDefault(phone) != e.Attempts)
                {
                    problems.Add($"wellness: {phone} rang {run.WellnessCallsRung.GetValueOrDefault(phone)} times, expected {e.Attempts}");
                }
            }
        }

        line("wellness help needs (one per resident who pressed 2)", expected.Wellness.Values.Count(w => w.Status == "needs_help"), await ScalarAsync(conn,
            "SELECT count(*)::int FROM needs WHERE source = 'wellness' AND category = 'wellness_help' AND urgency = 'urgent'", ct));
        line("home visits (urgent, one per resident not reached)", expected.HomeVisits, await ScalarAsync(conn,
            "SELECT count(*)::int FROM needs WHERE source = 'wellness' AND category = 'home_visit' AND urgency = 'urgent'", ct));
    }
}
