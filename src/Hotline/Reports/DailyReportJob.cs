using System.Globalization;
using Dapper;
using Hangfire;
using Hotline.Telephony;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Reports;

// Computes the last 24 hours, stores them as the report of the day, and texts a summary to each supervisor on duty.
// Run twice the same day, it refreshes the figures; each supervisor still gets one SMS per day (its outbox key).
public sealed class DailyReportJob(NpgsqlDataSource db, DailyReportStore store, Outbox outbox, IOptions<ReportOptions> options,
    IOptions<TwilioOptions> twilio, TimeProvider clock, ILogger<DailyReportJob> logger)
{
    public const string RecurringId = "daily-report";

    [AutomaticRetry(Attempts = 3)]
    [DisableConcurrentExecution(timeoutInSeconds: 120)]
    public async Task RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // Whole minutes, so a retry a few seconds later covers the same period.
        await GenerateAsync(new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc), ct);
    }

    public async Task<DailyReport> GenerateAsync(DateTime end, CancellationToken ct)
    {
        var zone = options.Value.Zone;
        var start = end.AddHours(-24);
        // Named after the local day its period ends in: a report at 00:00 is the day before's, one at 08:00 today's.
        var day = TimeZoneInfo.ConvertTimeFromUtc(end.AddTicks(-1), zone).Date;
        var now = clock.GetUtcNow().UtcDateTime;
        var messages = new List<long>();
        DailyFigures figures;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            figures = await store.ComputeAsync(conn, start, end, zone, ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            await store.SaveAsync(conn, tx, day, figures, now);
            var supervisors = await conn.QueryAsync<(long Id, string Phone, string Language)>(
                "SELECT id, phone, language FROM staff WHERE role = 'supervisor' AND on_duty AND phone IS NOT NULL ORDER BY id", transaction: tx);
            foreach (var supervisor in supervisors)
            {
                messages.Add(await outbox.QueueSmsAsync(conn, tx, new OutboundSms(
                    supervisor.Phone, Summary(figures, day, supervisor.Language), "daily_report", $"daily-report:{day:yyyy-MM-dd}:{supervisor.Id}"),
                    twilio.Value.PhoneNumber, now));
            }

            await tx.CommitAsync(ct);
        }

        outbox.DispatchSms();
        logger.LogInformation("Daily report {Day}: {Received} calls, {Needs} needs; sent to {Supervisors} supervisors",
            day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), figures.Calls.Received, figures.Needs.Opened, messages.Count);
        return new DailyReport(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), now, figures);
    }

    public string Summary(DailyFigures f, DateTime day, string language)
    {
        var config = options.Value;
        var template = config.Sms.GetValueOrDefault(language) ?? config.Sms[config.DefaultLanguage];
        var values = new Dictionary<string, string>
        {
            ["day"] = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["received"] = Number(f.Calls.Received),
            ["answered"] = Number(f.Calls.Answered),
            ["abandoned"] = Number(f.Calls.Abandoned),
            ["voicemails"] = Number(f.Voicemails),
            ["callbacksMade"] = f.Callbacks.Made is { } made ? Number(made) : "-",
            ["callbacksCompleted"] = f.Callbacks.Completed is { } completed ? Number(completed) : "-",
            ["needs"] = Number(f.Needs.Opened),
            ["resolved"] = Number(f.Needs.Resolved),
            ["urgentInTime"] = f.UrgentAcknowledgement.Share is { } share ? (share * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "-",
            ["well"] = Number(f.Wellness.Well),
            ["needsHelp"] = Number(f.Wellness.NeedsHelp),
            ["notReached"] = Number(f.Wellness.NotReached),
        };
        return values.Aggregate(template, (text, value) => text.Replace("{" + value.Key + "}", value.Value));
    }

    static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
