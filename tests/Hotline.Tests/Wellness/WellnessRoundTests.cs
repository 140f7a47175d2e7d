using System.Net;
using System.Net.Http.Json;
using Dapper;
using Hangfire;
using Hangfire.Storage;
using Hotline.Reports;
using Hotline.Staff;
using Hotline.Tests.Support;
using Hotline.Wellness;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Tests.Wellness;

public sealed class WellnessRoundTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    [Fact]
    public async Task The_round_checks_each_flagged_resident_once_a_day_and_skips_those_who_already_called()
    {
        await ExecuteAsync(
            """
            INSERT INTO residents (phone, flags) VALUES
                ('+8613800000001', '{elderly_alone}'),
                ('+8613800000002', '{elderly_alone,disabled}'),
                ('+8613800000003', '{dialysis}'),
                ('+8613800000004', '{elderly_alone}')
            """);
        await new Caller(Twilio, "+8613800000004").Dial();
        var round = Fixture.Factory.Services.GetRequiredService<WellnessRoundJob>();

        await round.RunAsync(CancellationToken.None);
        await round.RunAsync(CancellationToken.None);

        var checks = (await QueryAsync<(string Phone, string Status, DateTime Day)>("SELECT phone, status, day FROM wellness_checks ORDER BY phone")).ToList();
        Assert.Equal(["+8613800000001", "+8613800000002", "+8613800000004"], checks.Select(c => c.Phone));
        Assert.All(checks.Take(2), c => Assert.Contains(c.Status, new[] { "pending", "calling" }));
        Assert.Equal("called_in", checks[2].Status);
        var shanghaiToday = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).Date;
        Assert.All(checks, c => Assert.Equal(shanghaiToday, c.Day));
    }

    [Fact]
    public async Task A_supervisor_can_run_todays_round_now_and_a_second_run_adds_only_residents_flagged_since()
    {
        await StaffLogin.AddStaffAsync(Fixture, "sup", Roles.Supervisor);
        await StaffLogin.AddStaffAsync(Fixture, "op", Roles.Operator);
        await ExecuteAsync("INSERT INTO residents (phone, flags) VALUES ('+8613800000011', '{elderly_alone}'), ('+8613800000012', '{dialysis}')");
        using var supervisor = await StaffLogin.LoggedInAsync(Fixture, "sup");
        using var op = await StaffLogin.LoggedInAsync(Fixture, "op");

        Assert.Equal(HttpStatusCode.Forbidden, (await op.PostAsync("/api/wellness/round", null)).StatusCode);
        var first = await supervisor.PostAsync("/api/wellness/round", null);
        await ExecuteAsync("UPDATE residents SET flags = '{elderly_alone}' WHERE phone = '+8613800000012'");
        var second = await (await supervisor.PostAsync("/api/wellness/round", null)).Content.ReadFromJsonAsync<WellnessEndpoints.WellnessDay>();

        Assert.Equal(1, (await first.Content.ReadFromJsonAsync<WellnessEndpoints.WellnessDay>())!.Total);
        Assert.Equal(2, second!.Total);
        Assert.Equal(2L, await ScalarAsync<long>("SELECT count(*) FROM wellness_checks"));
    }

    [Fact]
    public async Task Attempts_are_spread_at_the_rounds_share_of_the_outbound_call_rate()
    {
        await ExecuteAsync("INSERT INTO residents (phone, flags) SELECT '+86138000001' || lpad(i::text, 2, '0'), '{elderly_alone}' FROM generate_series(1, 5) i");
        var store = Fixture.Factory.Services.GetRequiredService<WellnessStore>();
        var now = new DateTime(2026, 4, 10, 1, 0, 0, DateTimeKind.Utc);
        await using var conn = await Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();

        // Twilio:CallsPerSecond 1 and Wellness:RateShare 0.5: one call every 2 seconds.
        var checks = await store.CreateRoundAsync(conn, tx, new DateTime(2026, 4, 10), now.AddHours(-1), ["elderly_alone"], now, 2.0);

        Assert.Equal([0.0, 2, 4, 6, 8], checks.Select(c => (c.NextAttemptAt!.Value - now).TotalSeconds).Order());
        await tx.RollbackAsync();
    }

    [Fact]
    public void The_round_and_the_report_are_registered_with_their_schedule_and_time_zone()
    {
        using var connection = Fixture.Factory.Services.GetRequiredService<JobStorage>().GetConnection();
        var jobs = connection.GetRecurringJobs().ToDictionary(j => j.Id);

        Assert.Equal(("0 9 * * *", "Asia/Shanghai"), (jobs[WellnessRoundJob.RecurringId].Cron, jobs[WellnessRoundJob.RecurringId].TimeZoneId));
        Assert.Equal(("0 8 * * *", "Asia/Shanghai"), (jobs[DailyReportJob.RecurringId].Cron, jobs[DailyReportJob.RecurringId].TimeZoneId));
    }

    async Task<IEnumerable<T>> QueryAsync<T>(string sql)
    {
        await using var conn = await Db.OpenConnectionAsync();
        return await conn.QueryAsync<T>(sql);
    }
}
