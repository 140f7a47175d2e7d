using System.Net;
using System.Net.Http.Json;
using Dapper;
using Hotline.Reports;
using Hotline.Staff;
using Hotline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Tests.Reports;

public sealed class DailyReportTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    // 08:00 in Shanghai: the report of 2026-04-10 covers 2026-04-09 08:00 to 2026-04-10 08:00 local time.
    static readonly DateTime End = new(2026, 4, 10, 0, 0, 0, DateTimeKind.Utc);
    static readonly DateTime Start = End.AddHours(-24);

    DailyReportJob Job => Fixture.Factory.Services.GetRequiredService<DailyReportJob>();

    [Fact]
    public async Task The_report_of_a_seeded_day_has_every_figure_right()
    {
        await SeedDayAsync();

        var report = await Job.GenerateAsync(End, CancellationToken.None);
        var f = report.Figures;

        Assert.Equal("2026-04-10", report.Day);
        Assert.Equal((Start, End, "Asia/Shanghai"), (f.PeriodStart, f.PeriodEnd, f.TimeZone));
        Assert.Equal(10, f.Calls.Received);
        Assert.Equal(4, f.Calls.Answered);
        Assert.Equal(2, f.Calls.AbandonedInMenu);
        Assert.Equal(1, f.Calls.AbandonedInQueue);
        Assert.Equal(3, f.Calls.Abandoned);
        Assert.Equal(2, f.Calls.Voicemail);
        Assert.Equal(1, f.Calls.Missed);
        Assert.Equal(0, f.Calls.StillOpen);
        Assert.Equal(2, f.Voicemails);
        Assert.Equal((4, 1), (f.Callbacks.Made, f.Callbacks.Completed));
        Assert.Equal(7, f.Needs.Opened);
        Assert.Equal(new Dictionary<string, int> { ["food"] = 1, ["medicine"] = 2, ["urgent_medical"] = 4 }, f.Needs.OpenedByCategory);
        Assert.Equal(5, f.Needs.Resolved);
        Assert.Equal(new Dictionary<string, int> { ["food_delivered"] = 1, ["medicine_delivered"] = 1, ["referred"] = 1, ["trip_arranged"] = 2 },
            f.Needs.ResolvedByOutcome);
        Assert.Equal((2, 1, 1), (f.Needs.TripsArranged, f.Needs.MedicineDelivered, f.Needs.FoodParcelsDelivered));
        Assert.Equal(4, f.AnswerTimes.Calls);
        Assert.Equal(25, f.AnswerTimes.MedianSeconds);
        Assert.Equal(79, f.AnswerTimes.P90Seconds!.Value, precision: 6);
        Assert.Equal((3, 1), (f.UrgentAcknowledgement.Due, f.UrgentAcknowledgement.Kept));
        Assert.Equal(0.3333, f.UrgentAcknowledgement.Share);
        Assert.Equal(3, f.Wellness.CallsPlaced);
        Assert.Equal((2, 1, 1, 1), (f.Wellness.Well, f.Wellness.NeedsHelp, f.Wellness.NotReached, f.Wellness.CalledIn));
        Assert.Equal(24, f.CallsPerHour.Count);
        Assert.Equal(new HourCount("08:00", 3), f.CallsPerHour[0]);
        Assert.Equal(new HourCount("09:00", 0), f.CallsPerHour[1]);
        Assert.Equal(new HourCount("15:00", 4), f.CallsPerHour[7]);
        Assert.Equal(new HourCount("07:00", 3), f.CallsPerHour[23]);
        Assert.Equal(10, f.CallsPerHour.Sum(h => h.Calls));
    }

    [Fact]
    public async Task The_report_is_stored_once_per_day_and_texted_once_to_each_supervisor_on_duty()
    {
        await SeedDayAsync();
        await ExecuteAsync(
            """
            INSERT INTO staff (username, display_name, role, phone, password_hash, on_duty, language) VALUES
                ('sup-zh', 'Sup ZH', 'supervisor', '+8613900000001', 'x', true, 'zh-CN'),
                ('sup-en', 'Sup EN', 'supervisor', '+8613900000002', 'x', true, 'en-US'),
                ('sup-nophone', 'Sup', 'supervisor', NULL, 'x', true, 'zh-CN'),
                ('sup-off', 'Sup off', 'supervisor', '+8613900000003', 'x', false, 'zh-CN'),
                ('op', 'Op', 'operator', '+8613900000004', 'x', true, 'zh-CN')
            """);

        await Job.GenerateAsync(End, CancellationToken.None);
        await Job.GenerateAsync(End.AddMinutes(1), CancellationToken.None);

        Assert.Equal(1, await ScalarAsync<int>("SELECT count(*) FROM daily_reports"));
        var sms = (await QueryAsync<(string To, string Body, string DedupeKey)>(
            "SELECT to_phone, body, dedupe_key FROM messages WHERE purpose = 'daily_report' ORDER BY to_phone")).ToList();
        Assert.Equal(["+8613900000001", "+8613900000002"], sms.Select(s => s.To));
        Assert.StartsWith("热线日报 2026-04-10：来电 10，接通 4，放弃 3，留言 2，回拨 4（完成 1）；需求 7，已解决 5；紧急需求按时确认 33%", sms[0].Body);
        Assert.Equal("Hotline 2026-04-10: 10 calls, 4 answered, 3 abandoned, 2 voicemails, 4 callbacks made (1 completed); 7 needs, 5 resolved; urgent acked in time 33%; " +
                     "wellness: 2 well, 1 need help, 1 not reached.", sms[1].Body);
        Assert.All(sms, s => Assert.StartsWith("daily-report:2026-04-10:", s.DedupeKey));
    }

    [Fact]
    public async Task Supervisors_read_the_report_as_json_and_csv_and_operators_may_not()
    {
        await SeedDayAsync();
        await Job.GenerateAsync(End, CancellationToken.None);
        await StaffLogin.AddStaffAsync(Fixture, "sup", Roles.Supervisor);
        await StaffLogin.AddStaffAsync(Fixture, "op", Roles.Operator);
        using var supervisor = await StaffLogin.LoggedInAsync(Fixture, "sup");
        using var operatorClient = await StaffLogin.LoggedInAsync(Fixture, "op");

        var latest = await supervisor.GetFromJsonAsync<DailyReport>("/api/reports/daily");
        Assert.Equal(("2026-04-10", 10), (latest!.Day, latest.Figures.Calls.Received));
        Assert.Equal(HttpStatusCode.NotFound, (await supervisor.GetAsync("/api/reports/daily?date=2026-04-09")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await supervisor.GetAsync("/api/reports/daily?date=April")).StatusCode);

        var csv = await supervisor.GetStringAsync("/api/reports/daily.csv?date=2026-04-10");
        Assert.StartsWith("section,figure,value\r\nreport,day,2026-04-10\r\n", csv);
        Assert.Contains("calls,received,10\r\n", csv);
        Assert.Contains("needs_opened,urgent_medical,4\r\n", csv);
        Assert.Contains("answer_times,median_seconds,25\r\n", csv);
        Assert.Contains("callbacks,made,4\r\n", csv);
        Assert.Contains("callbacks,completed,1\r\n", csv);
        Assert.Contains("calls_per_hour,15:00,4\r\n", csv);

        var live = await supervisor.GetFromJsonAsync<DailyFigures>("/api/reports/last24h");
        Assert.NotNull(live);
        Assert.Equal(HttpStatusCode.Forbidden, (await operatorClient.GetAsync("/api/reports/daily")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await operatorClient.GetAsync("/api/reports/daily.csv")).StatusCode);
    }

    async Task<IEnumerable<T>> QueryAsync<T>(string sql)
    {
        await using var conn = await Db.OpenConnectionAsync();
        return await conn.QueryAsync<T>(sql);
    }

    // A day with known figures, and rows just outside it that must not count.
    async Task SeedDayAsync()
    {
        await using var conn = await Db.OpenConnectionAsync();
        var n = 0;
        async Task<long> Call(double hoursIn, string outcome, string direction = "inbound", string? queueResult = null, int? queueSeconds = null, string? purpose = null) =>
            await conn.ExecuteScalarAsync<long>(
                """
                INSERT INTO calls (call_sid, direction, from_phone, to_phone, started_at, status, outcome, queue_result, queue_seconds, purpose)
                VALUES (@sid, @direction, '+8613800000001', '+8621000000000', @at, 'completed', @outcome, @queueResult, @queueSeconds, @purpose)
                RETURNING id
                """,
                new { sid = $"CA{++n}", direction, at = Start.AddHours(hoursIn), outcome, queueResult, queueSeconds, purpose });

        // Ten inbound calls: three in the first hour, four at 15:00 local, three in the last hour.
        await Call(0.1, "answered", queueResult: "bridged", queueSeconds: 10);
        await Call(0.2, "answered", queueResult: "bridged", queueSeconds: 100);
        await Call(0.3, "abandoned_in_ivr");
        await Call(7.0, "answered", queueResult: "bridged", queueSeconds: 30);
        await Call(7.2, "answered", queueResult: "bridged", queueSeconds: 20);
        await Call(7.4, "abandoned_in_ivr");
        await Call(7.9, "abandoned_in_queue", queueResult: "hangup", queueSeconds: 50);
        var voicemailA = await Call(23.1, "voicemail");
        var voicemailB = await Call(23.5, "voicemail");
        await Call(23.99, "missed");
        // Outside: just before, exactly at the end; outbound calls are not calls received.
        var oldVoicemail = await Call(-0.01, "voicemail");
        await Call(24, "answered", queueResult: "bridged", queueSeconds: 5);
        for (var i = 0; i < 3; i++)
        {
            await Call(1 + i, "answered", direction: "outbound-api", purpose: "wellness");
        }

        foreach (var (callId, hoursIn) in new[] { (voicemailA, 23.1), (voicemailB, 23.5), (oldVoicemail, -0.01) })
        {
            await conn.ExecuteAsync("INSERT INTO voicemails (call_id, recording_sid, created_at) VALUES (@callId, @sid, @at)",
                new { callId, sid = $"RE{callId}", at = Start.AddHours(hoursIn) });
        }

        var reference = 10_000;
        async Task Need(double hoursIn, string category, string urgency, double ackMinutes, double? ackedAfterMinutes = null,
            double? resolvedHoursIn = null, string? resolution = null)
        {
            var created = Start.AddHours(hoursIn);
            await conn.ExecuteAsync(
                """
                INSERT INTO needs (reference, phone, source, category, urgency, status, ack_deadline, fulfil_deadline, acknowledged_at,
                                   resolved_at, resolution, created_at, updated_at)
                VALUES (@reference, '+8613800000001', 'call', @category, @urgency, @status, @ackDeadline, @ackDeadline, @acked, @resolved, @resolution, @created, @created)
                """,
                new
                {
                    reference = (++reference).ToString(), category, urgency,
                    status = resolvedHoursIn is null ? ackedAfterMinutes is null ? "open" : "acknowledged" : "resolved",
                    ackDeadline = created.AddMinutes(ackMinutes),
                    acked = ackedAfterMinutes is { } m ? created.AddMinutes(m) : (DateTime?)null,
                    resolved = resolvedHoursIn is { } r ? Start.AddHours(r) : (DateTime?)null,
                    resolution, created,
                });
        }

        // Urgent: acknowledged in time, acknowledged late, never acknowledged (deadline passed), and one not due yet.
        await Need(1, "urgent_medical", "urgent", 5, ackedAfterMinutes: 3, resolvedHoursIn: 5, resolution: "trip_arranged");
        await Need(2, "urgent_medical", "urgent", 5, ackedAfterMinutes: 9);
        await Need(3, "urgent_medical", "urgent", 5);
        await Need(23.95, "urgent_medical", "urgent", 5);
        await Need(4, "medicine", "high", 30, ackedAfterMinutes: 10, resolvedHoursIn: 9, resolution: "medicine_delivered");
        await Need(5, "medicine", "high", 30, ackedAfterMinutes: 10, resolvedHoursIn: 10, resolution: "referred");
        await Need(6, "food", "normal", 120, ackedAfterMinutes: 60, resolvedHoursIn: 20, resolution: "food_delivered");
        // Opened the day before; resolved in the period (counts as resolved, not opened), and one resolved after it.
        await Need(-5, "urgent_medical", "urgent", 5, ackedAfterMinutes: 1, resolvedHoursIn: 2, resolution: "trip_arranged");
        await Need(-6, "food", "normal", 120, ackedAfterMinutes: 1, resolvedHoursIn: 25, resolution: "food_delivered");

        // Callbacks: dials made in the period, and callbacks completed in it.
        async Task<long> Callback(string phone, string status, double placeHoursIn, double? closedHoursIn = null) =>
            await conn.ExecuteScalarAsync<long>(
                """
                INSERT INTO callbacks (phone, source, urgency, place_at, due_at, status, closed_at, created_at, updated_at)
                VALUES (@phone, 'voicemail', 'normal', @placeAt, @placeAt, @status, @closedAt, @placeAt, @placeAt)
                RETURNING id
                """,
                new { phone, status, placeAt = Start.AddHours(placeHoursIn), closedAt = closedHoursIn is { } c ? Start.AddHours(c) : (DateTime?)null });
        var attemptNo = 0;
        async Task Attempt(long callbackId, double hoursIn, string? result, string mode = "automatic")
        {
            var callId = await Call(hoursIn, "answered", direction: "outbound-api", purpose: "callback");
            await conn.ExecuteAsync(
                """
                INSERT INTO callback_attempts (callback_id, attempt_no, mode, call_id, result, started_at)
                VALUES (@callbackId, @attemptNo, @mode, @callId, @result, @at)
                """,
                new { callbackId, attemptNo = ++attemptNo, mode, callId, result, at = Start.AddHours(hoursIn) });
        }

        // Reached on the second try: two dials, one completed.
        var reached = await Callback("+8613800000201", "completed", 1, closedHoursIn: 3);
        await Attempt(reached, 2, "no-answer");
        await Attempt(reached, 3, "connected");
        // The operator did not pick up (the resident was never rung), then the resident was busy: one dial.
        var busy = await Callback("+8613800000202", "pending", 4);
        await Attempt(busy, 4, "operator_missed", mode: "operator");
        await Attempt(busy, 5, "busy");
        // Ringing as the period ends: one dial; the next one falls in the next period.
        var ringing = await Callback("+8613800000203", "dialing", 23);
        await Attempt(ringing, 23.9, null);
        await Attempt(ringing, 24, null);
        // Completed the day before, and completed exactly at the end: neither counts.
        var before = await Callback("+8613800000204", "completed", -3, closedHoursIn: -1);
        await Attempt(before, -1.5, "connected");
        await Callback("+8613800000205", "completed", 20, closedHoursIn: 24);

        var statuses = new[] { "well", "well", "needs_help", "not_reached", "called_in", "well" };
        for (var i = 0; i < statuses.Length; i++)
        {
            var residentId = await conn.ExecuteScalarAsync<long>(
                "INSERT INTO residents (phone, flags) VALUES (@phone, '{elderly_alone}') RETURNING id", new { phone = $"+86138000100{i:D2}" });
            // The last one was settled the day before.
            var completed = i == statuses.Length - 1 ? Start.AddHours(-1) : Start.AddHours(2 + i);
            await conn.ExecuteAsync(
                """
                INSERT INTO wellness_checks (resident_id, day, phone, status, attempts, created_at, updated_at, completed_at)
                VALUES (@residentId, @day, @phone, @status, 1, @completed, @completed, @completed)
                """,
                new { residentId, day = completed.Date, phone = $"+86138000100{i:D2}", status = statuses[i], completed });
        }
    }
}
