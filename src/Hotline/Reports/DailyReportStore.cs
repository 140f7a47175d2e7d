using System.Globalization;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Hotline.Reports;

public sealed class DailyReportStore
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Every figure for [start, end), read from the tables that record what happened.
    public async Task<DailyFigures> ComputeAsync(NpgsqlConnection conn, DateTime start, DateTime end, TimeZoneInfo zone, CancellationToken ct)
    {
        var args = new { start, end };
        CommandDefinition Sql(string sql) => new(sql, args, cancellationToken: ct);

        var calls = await conn.QuerySingleAsync<CallFigures>(Sql(
            """
            SELECT count(*)::int AS received,
                   count(*) FILTER (WHERE outcome = 'answered')::int AS answered,
                   count(*) FILTER (WHERE outcome = 'abandoned_in_ivr')::int AS abandoned_in_menu,
                   count(*) FILTER (WHERE outcome = 'abandoned_in_queue')::int AS abandoned_in_queue,
                   count(*) FILTER (WHERE outcome = 'voicemail')::int AS voicemail,
                   count(*) FILTER (WHERE outcome = 'callback_requested')::int AS callback_requested,
                   count(*) FILTER (WHERE outcome = 'missed')::int AS missed,
                   count(*) FILTER (WHERE outcome IS NULL)::int AS still_open
            FROM calls WHERE direction = 'inbound' AND started_at >= @start AND started_at < @end
            """));
        var voicemails = await conn.ExecuteScalarAsync<int>(Sql(
            "SELECT count(*)::int FROM voicemails WHERE created_at >= @start AND created_at < @end"));

        var opened = (await conn.QueryAsync<(string Category, int Count)>(Sql(
            "SELECT category, count(*)::int FROM needs WHERE created_at >= @start AND created_at < @end GROUP BY category ORDER BY category")))
            .ToDictionary(r => r.Category, r => r.Count);
        var resolved = (await conn.QueryAsync<(string Outcome, int Count)>(Sql(
            """
            SELECT coalesce(resolution, 'unspecified'), count(*)::int FROM needs
            WHERE status = 'resolved' AND resolved_at >= @start AND resolved_at < @end
            GROUP BY 1 ORDER BY 1
            """)))
            .ToDictionary(r => r.Outcome, r => r.Count);

        var answerTimes = await conn.QuerySingleAsync<AnswerTimes>(Sql(
            """
            SELECT count(*)::int AS calls,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY queue_seconds) AS median_seconds,
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY queue_seconds) AS p90_seconds
            FROM calls
            WHERE direction = 'inbound' AND started_at >= @start AND started_at < @end
              AND queue_result = 'bridged' AND queue_seconds IS NOT NULL
            """));

        var urgent = await conn.QuerySingleAsync<DeadlineFigures>(Sql(
            """
            SELECT count(*)::int AS due, count(*) FILTER (WHERE acknowledged_at <= ack_deadline)::int AS kept
            FROM needs
            WHERE urgency = 'urgent' AND created_at >= @start AND created_at < @end
              AND (acknowledged_at IS NOT NULL OR ack_deadline <= @end)
            """));

        // Made: dials toward a resident (an operator-first attempt whose operator never picked up rang nobody).
        // Completed: callbacks closed in the period because someone spoke to the resident long enough.
        var callbacks = await conn.QuerySingleAsync<CallbackFigures>(Sql(
            """
            SELECT (SELECT count(*) FROM callback_attempts
                    WHERE started_at >= @start AND started_at < @end AND result IS DISTINCT FROM 'operator_missed')::int AS made,
                   (SELECT count(*) FROM callbacks
                    WHERE status = 'completed' AND closed_at >= @start AND closed_at < @end)::int AS completed
            """));

        var wellness = await conn.QuerySingleAsync<WellnessFigures>(Sql(
            """
            SELECT (SELECT count(*) FROM calls WHERE purpose = 'wellness' AND started_at >= @start AND started_at < @end)::int AS calls_placed,
                   count(*) FILTER (WHERE status = 'well')::int AS well,
                   count(*) FILTER (WHERE status = 'needs_help')::int AS needs_help,
                   count(*) FILTER (WHERE status = 'not_reached')::int AS not_reached,
                   count(*) FILTER (WHERE status = 'called_in')::int AS called_in
            FROM wellness_checks WHERE completed_at >= @start AND completed_at < @end
            """));

        var perHour = (await conn.QueryAsync<(int Hour, int Count)>(Sql(
            """
            SELECT floor(extract(epoch FROM started_at - @start) / 3600)::int, count(*)::int
            FROM calls WHERE direction = 'inbound' AND started_at >= @start AND started_at < @end
            GROUP BY 1
            """)))
            .ToDictionary(r => r.Hour, r => r.Count);
        var hours = (int)Math.Ceiling((end - start).TotalHours);

        return new DailyFigures
        {
            PeriodStart = start,
            PeriodEnd = end,
            TimeZone = zone.Id,
            Calls = calls,
            Voicemails = voicemails,
            Callbacks = callbacks,
            Needs = new NeedFigures
            {
                Opened = opened.Values.Sum(),
                OpenedByCategory = opened,
                Resolved = resolved.Values.Sum(),
                ResolvedByOutcome = resolved,
                TripsArranged = resolved.GetValueOrDefault(Resolutions.TripArranged),
                MedicineDelivered = resolved.GetValueOrDefault(Resolutions.MedicineDelivered),
                FoodParcelsDelivered = resolved.GetValueOrDefault(Resolutions.FoodParcelDelivered),
            },
            AnswerTimes = answerTimes,
            UrgentAcknowledgement = urgent with { Share = urgent.Due == 0 ? null : Math.Round((double)urgent.Kept / urgent.Due, 4) },
            Wellness = wellness,
            CallsPerHour = Enumerable.Range(0, hours)
                .Select(h => new HourCount(
                    TimeZoneInfo.ConvertTimeFromUtc(start.AddHours(h), zone).ToString("HH:mm", CultureInfo.InvariantCulture),
                    perHour.GetValueOrDefault(h)))
                .ToList(),
        };
    }

    public Task SaveAsync(NpgsqlConnection conn, NpgsqlTransaction tx, DateTime day, DailyFigures figures, DateTime now) =>
        conn.ExecuteAsync(
            """
            INSERT INTO daily_reports (day, period_start, period_end, figures, generated_at)
            VALUES (@day, @PeriodStart, @PeriodEnd, @figures::jsonb, @now)
            ON CONFLICT (day) DO UPDATE SET period_start = excluded.period_start, period_end = excluded.period_end,
                figures = excluded.figures, generated_at = excluded.generated_at
            """,
            new { day, figures.PeriodStart, figures.PeriodEnd, figures = JsonSerializer.Serialize(figures, Json), now }, tx);

    // The report of a day, or the latest one.
    public async Task<DailyReport?> FindAsync(NpgsqlConnection conn, DateTime? day, CancellationToken ct)
    {
        var row = await conn.QuerySingleOrDefaultAsync<(DateTime Day, DateTime GeneratedAt, string Figures)?>(new CommandDefinition(
            """
            SELECT day, generated_at, figures::text FROM daily_reports
            WHERE @day::date IS NULL OR day = @day
            ORDER BY day DESC LIMIT 1
            """, new { day }, cancellationToken: ct));
        return row is { } r
            ? new DailyReport(r.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), DateTime.SpecifyKind(r.GeneratedAt, DateTimeKind.Utc),
                JsonSerializer.Deserialize<DailyFigures>(r.Figures, Json)!)
            : null;
    }
}
