using System.Globalization;
using Hotline.Infrastructure;
using Hotline.Staff;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Reports;

public static class ReportEndpoints
{
    public static RouteGroupBuilder MapReports(this RouteGroupBuilder api)
    {
        var reports = api.MapGroup("/reports").RequireAuthorization(Policies.Supervisor);
        reports.MapGet("/daily", Daily);
        reports.MapGet("/daily.csv", DailyCsv);
        reports.MapGet("/last24h", Last24Hours);
        return api;
    }

    // The stored report of ?date=yyyy-MM-dd, or the latest.
    static async Task<Results<Ok<DailyReport>, NotFound, ProblemHttpResult>> Daily(string? date, NpgsqlDataSource db, DailyReportStore store, CancellationToken ct)
    {
        if (!TryDay(date, out var day))
        {
            return TypedResults.Problem("date must be yyyy-MM-dd.", statusCode: StatusCodes.Status400BadRequest);
        }

        await using var conn = await db.OpenConnectionAsync(ct);
        return await store.FindAsync(conn, day, ct) is { } report ? TypedResults.Ok(report) : TypedResults.NotFound();
    }

    // The figures as they stand now, for the supervisor page; not stored, not sent.
    static async Task<Ok<DailyFigures>> Last24Hours(NpgsqlDataSource db, DailyReportStore store, IOptions<ReportOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var end = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await store.ComputeAsync(conn, end.AddHours(-24), end, options.Value.Zone, ct));
    }

    // One figure a line ("section,figure,value"), then the calls of each hour, for a spreadsheet.
    static async Task DailyCsv(HttpContext http, string? date, NpgsqlDataSource db, DailyReportStore store, CancellationToken ct)
    {
        DailyReport? report = null;
        if (TryDay(date, out var day))
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            report = await store.FindAsync(conn, day, ct);
        }

        if (report is null)
        {
            var problem = TryDay(date, out _)
                ? TypedResults.Problem("No daily report for that day yet.", statusCode: StatusCodes.Status404NotFound)
                : TypedResults.Problem("date must be yyyy-MM-dd.", statusCode: StatusCodes.Status400BadRequest);
            await problem.ExecuteAsync(http);
            return;
        }

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"daily-report-{report.Day}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, CsvLines.Encoding);
        await writer.WriteAsync(CsvLines.Line(["section", "figure", "value"]));
        foreach (var (section, figure, value) in Rows(report))
        {
            await writer.WriteAsync(CsvLines.Line([section, figure, value]));
        }
    }

    internal static IEnumerable<(string Section, string Figure, object? Value)> Rows(DailyReport report)
    {
        var f = report.Figures;
        yield return ("report", "day", report.Day);
        yield return ("report", "period_start", f.PeriodStart);
        yield return ("report", "period_end", f.PeriodEnd);
        yield return ("report", "time_zone", f.TimeZone);
        yield return ("calls", "received", f.Calls.Received);
        yield return ("calls", "answered", f.Calls.Answered);
        yield return ("calls", "abandoned_in_menu", f.Calls.AbandonedInMenu);
        yield return ("calls", "abandoned_in_queue", f.Calls.AbandonedInQueue);
        yield return ("calls", "voicemail", f.Calls.Voicemail);
        yield return ("calls", "callback_requested", f.Calls.CallbackRequested);
        yield return ("calls", "missed", f.Calls.Missed);
        yield return ("calls", "still_open", f.Calls.StillOpen);
        yield return ("voicemails", "left", f.Voicemails);
        yield return ("callbacks", "made", f.Callbacks.Made);
        yield return ("callbacks", "completed", f.Callbacks.Completed);
        yield return ("needs", "opened", f.Needs.Opened);
        foreach (var (category, count) in f.Needs.OpenedByCategory)
        {
            yield return ("needs_opened", category, count);
        }

        yield return ("needs", "resolved", f.Needs.Resolved);
        foreach (var (outcome, count) in f.Needs.ResolvedByOutcome)
        {
            yield return ("needs_resolved", outcome, count);
        }

        yield return ("needs", "trips_arranged", f.Needs.TripsArranged);
        yield return ("needs", "medicine_delivered", f.Needs.MedicineDelivered);
        yield return ("needs", "food_parcels_delivered", f.Needs.FoodParcelsDelivered);
        yield return ("answer_times", "answered_from_queue", f.AnswerTimes.Calls);
        yield return ("answer_times", "median_seconds", f.AnswerTimes.MedianSeconds);
        yield return ("answer_times", "p90_seconds", f.AnswerTimes.P90Seconds);
        yield return ("urgent_acknowledgement", "due", f.UrgentAcknowledgement.Due);
        yield return ("urgent_acknowledgement", "kept", f.UrgentAcknowledgement.Kept);
        yield return ("urgent_acknowledgement", "share", f.UrgentAcknowledgement.Share);
        yield return ("wellness", "calls_placed", f.Wellness.CallsPlaced);
        yield return ("wellness", "well", f.Wellness.Well);
        yield return ("wellness", "needs_help", f.Wellness.NeedsHelp);
        yield return ("wellness", "not_reached", f.Wellness.NotReached);
        yield return ("wellness", "called_in", f.Wellness.CalledIn);
        foreach (var hour in f.CallsPerHour)
        {
            yield return ("calls_per_hour", hour.Hour, hour.Calls);
        }
    }

    static bool TryDay(string? date, out DateTime? day)
    {
        day = null;
        if (string.IsNullOrEmpty(date))
        {
            return true;
        }

        if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            return false;
        }

        day = parsed.ToDateTime(TimeOnly.MinValue);
        return true;
    }
}
