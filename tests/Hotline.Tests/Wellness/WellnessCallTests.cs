using System.Net.Http.Json;
using Dapper;
using Hotline.Staff;
using Hotline.Tests.Support;
using Hotline.Wellness;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Hotline.Tests.Wellness;

public sealed class WellnessCallTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    WellnessCalls Calls => Fixture.Factory.Services.GetRequiredService<WellnessCalls>();

    Task<(long CheckId, string Phone)> DueCheckAsync(string language = "en-US", string flags = "{elderly_alone}") =>
        WellnessLine.DueCheckAsync(Db, language, flags);

    Task<WellnessLine> RingAsync(long checkId, string phone) => WellnessLine.RingAsync(Db, Twilio, checkId, phone);

    Task<(string Status, int Attempts, string? LastResult, long? NeedId)> CheckAsync(long checkId) =>
        RowAsync<(string, int, string?, long?)>("SELECT status, attempts, last_result, need_id FROM wellness_checks WHERE id = @checkId", new { checkId });

    [Fact]
    public async Task Pressing_1_records_the_resident_as_well_in_their_language()
    {
        var (checkId, phone) = await DueCheckAsync("en-US");
        var line = await RingAsync(checkId, phone);
        Assert.Equal(("wellness", phone, "outbound-api"), await RowAsync<(string, string, string)>(
            "SELECT purpose, to_phone, direction FROM calls WHERE dedupe_key = @key", new { key = WellnessNeeds.CallKey(checkId, 1) }));

        var prompt = await line.PickUp();
        Assert.Contains("Press 1 if you are well. Press 2 if you need help.", prompt.SaidText);
        Assert.Equal($"/twilio/voice/wellness/answer?check={checkId}&attempt=1", prompt.Attribute("Gather", "action"));

        var thanks = await line.Press("1");
        await line.Status("completed");

        Assert.Contains("glad you are well", thanks.SaidText);
        Assert.Contains("Hangup", thanks.Verbs);
        Assert.Equal(("well", 1, "pressed 1", (long?)null), await CheckAsync(checkId));
        Assert.Equal(0, await ScalarAsync<int>("SELECT count(*) FROM needs"));
    }

    [Fact]
    public async Task The_prompt_is_in_Mandarin_for_a_Mandarin_speaker()
    {
        var (checkId, phone) = await DueCheckAsync("zh-CN");
        var line = await RingAsync(checkId, phone);

        var prompt = await line.PickUp();

        Assert.Contains("如果您一切安好，请按1", prompt.SaidText);
        Assert.Equal("cmn-CN", prompt.Attribute("Say", "language"));
    }

    [Fact]
    public async Task Pressing_2_opens_an_urgent_need_and_puts_the_resident_at_the_front_of_the_urgent_queue()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", Roles.Operator, onDuty: true);
        var (checkId, phone) = await DueCheckAsync();
        var line = await RingAsync(checkId, phone);
        await line.PickUp();

        var answer = await line.Press("2");
        var again = await line.Press("2");

        Assert.Equal("urgent", answer.Twiml.Descendants("Enqueue").Single().Value);
        Assert.Equal(answer.Body, again.Body);
        var need = await RowAsync<(long Id, string Source, string Category, string Urgency, string Phone, long? CallId)>(
            "SELECT id, source, category, urgency, phone, call_id FROM needs");
        Assert.Equal(("wellness", "wellness_help", "urgent", phone), (need.Source, need.Category, need.Urgency, need.Phone));
        Assert.Equal(("needs_help", 1, "pressed 2", (long?)need.Id), await CheckAsync(checkId));
        Assert.Equal(1, await ScalarAsync<int>("SELECT count(*) FROM needs"));
        Assert.Equal("queue", await ScalarAsync<string>("SELECT stage FROM calls WHERE id = @CallId", new { need.CallId }));
    }

    [Fact]
    public async Task Pressing_2_with_nobody_on_duty_takes_a_voicemail_and_texts_the_reference_to_the_resident()
    {
        var (checkId, phone) = await DueCheckAsync();
        var line = await RingAsync(checkId, phone);
        await line.PickUp();

        var answer = await line.Press("2");
        Assert.Contains("Record", answer.Verbs);
        Assert.Contains("No one is available", answer.SaidText);

        await Twilio.PostAsync("/twilio/voice/voicemail/recorded", new Dictionary<string, string>
        {
            ["CallSid"] = line.CallSid, ["From"] = "+8621000000000", ["To"] = phone, ["Direction"] = "outbound-api",
            ["RecordingSid"] = "RE" + Guid.NewGuid().ToString("N"), ["RecordingUrl"] = "https://api.twilio.com/rec", ["RecordingDuration"] = "12",
        });

        var reference = await ScalarAsync<string>("SELECT reference FROM needs");
        Assert.Equal(1, await ScalarAsync<int>("SELECT count(*) FROM needs"));
        var sms = await RowAsync<(string To, string Body)>("SELECT to_phone, body FROM messages WHERE purpose = 'reference_code'");
        Assert.Equal(phone, sms.To);
        Assert.Contains(reference, sms.Body);
        var received = await Eventually.WaitForAsync(() => Task.FromResult(Fixture.Sandbox.Phones.MessagesTo(phone)), m => m.Count > 0);
        Assert.Contains(reference, Assert.Single(received).Body);
        Assert.Equal("needs_help", (await CheckAsync(checkId)).Status);
    }

    [Fact]
    public async Task Busy_no_answer_and_silence_are_retried_with_back_off_and_no_contact_opens_an_urgent_home_visit()
    {
        var (checkId, phone) = await DueCheckAsync();
        var before = DateTime.UtcNow;

        await (await RingAsync(checkId, phone)).Status("busy");
        Assert.Equal(("pending", 1, "busy", (long?)null), await CheckAsync(checkId));
        var wait = await ScalarAsync<DateTime>("SELECT next_attempt_at FROM wellness_checks WHERE id = @checkId", new { checkId });
        Assert.InRange(wait - before, TimeSpan.FromMinutes(9.9), TimeSpan.FromMinutes(10.5));

        await (await RingAsync(checkId, phone)).Status("no-answer");
        Assert.Equal(("pending", 2, "no answer", (long?)null), await CheckAsync(checkId));
        wait = await ScalarAsync<DateTime>("SELECT next_attempt_at FROM wellness_checks WHERE id = @checkId", new { checkId });
        Assert.InRange(wait - before, TimeSpan.FromMinutes(29.9), TimeSpan.FromMinutes(30.5));

        // Picked up, but pressed nothing twice.
        var third = await RingAsync(checkId, phone);
        await third.PickUp();
        Assert.Contains("Sorry, we did not get your choice.", (await third.Press("", attempt: 1)).SaidText);
        Assert.Contains("Hangup", (await third.Press("", attempt: 2)).Verbs);
        await third.Status("completed");
        Assert.Equal(("pending", 3, "answered, no key pressed", (long?)null), await CheckAsync(checkId));

        var last = await RingAsync(checkId, phone);
        await last.Status("no-answer");
        await last.Status("no-answer");

        var check = await CheckAsync(checkId);
        Assert.Equal(("not_reached", 4, "no answer"), (check.Status, check.Attempts, check.LastResult));
        var need = await RowAsync<(long Id, string Source, string Category, string Urgency, string Phone)>("SELECT id, source, category, urgency, phone FROM needs");
        Assert.Equal((check.NeedId!.Value, "wellness", "home_visit", "urgent", phone), need);
        Assert.Equal(4, await ScalarAsync<int>("SELECT count(*) FROM calls WHERE purpose = 'wellness'"));
        Assert.Equal(1, await ScalarAsync<int>("SELECT count(*) FROM audit_log WHERE entity = 'need' AND action = 'opened'"));
    }

    [Fact]
    public async Task A_resident_who_called_the_hotline_since_the_round_began_is_not_called()
    {
        var (checkId, phone) = await DueCheckAsync();
        await new Caller(Twilio, phone).Dial();

        Assert.Null(await Calls.PlaceAttemptAsync(checkId, CancellationToken.None));

        Assert.Equal(("called_in", 0, "called the hotline", (long?)null), await CheckAsync(checkId));
        Assert.Equal(0, await ScalarAsync<int>("SELECT count(*) FROM calls WHERE purpose = 'wellness'"));
    }

    [Fact]
    public async Task An_attempt_not_yet_due_is_left_for_later()
    {
        var (checkId, _) = await DueCheckAsync();
        await ExecuteAsync("UPDATE wellness_checks SET next_attempt_at = now() + interval '1 minute' WHERE id = @checkId", new { checkId });

        var later = await Calls.PlaceAttemptAsync(checkId, CancellationToken.None);

        Assert.NotNull(later);
        Assert.Equal(("pending", 0), ((await CheckAsync(checkId)).Status, (await CheckAsync(checkId)).Attempts));
    }

    [Fact]
    public async Task The_sweep_places_overdue_attempts_and_settles_calls_that_failed_without_a_callback()
    {
        var (overdue, _) = await DueCheckAsync();
        await ExecuteAsync("UPDATE wellness_checks SET next_attempt_at = now() - interval '1 minute' WHERE id = @overdue", new { overdue });
        var (failing, phone) = await DueCheckAsync();
        await RingAsync(failing, phone);
        // What the delivery job does when Twilio refuses the number: no status callback ever comes.
        await ExecuteAsync("UPDATE calls SET status = 'failed', updated_at = now() - interval '1 minute' WHERE dedupe_key = @key",
            new { key = WellnessNeeds.CallKey(failing, 1) });

        await Fixture.Factory.Services.GetRequiredService<WellnessSweeper>().SweepAsync(CancellationToken.None);

        Assert.Equal(("calling", 1), ((await CheckAsync(overdue)).Status, (await CheckAsync(overdue)).Attempts));
        Assert.Equal(("pending", 1, "call failed", (long?)null), await CheckAsync(failing));
    }

    [Fact]
    public async Task Today_shows_the_round_reached_well_needing_help_and_not_reached()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", Roles.Operator, onDuty: true);
        var checks = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            checks.Add((await DueCheckAsync()).CheckId);
        }

        await ExecuteAsync(
            """
            UPDATE wellness_checks SET status = s.status FROM (VALUES (@a, 'well'), (@b, 'well'), (@c, 'needs_help'), (@d, 'not_reached')) AS s(id, status)
            WHERE wellness_checks.id = s.id
            """, new { a = checks[0], b = checks[1], c = checks[2], d = checks[3] });
        using var client = await StaffLogin.LoggedInAsync(Fixture, "op");

        var today = await client.GetFromJsonAsync<WellnessEndpoints.WellnessDay>("/api/wellness/today");

        Assert.Equal((5, 3, 2, 1, 1, 1), (today!.Total, today.Reached, today.Well, today.NeedsHelp, today.NotReached, today.InProgress));
        Assert.Equal(["needs_help", "not_reached", "pending", "well", "well"], today.Checks.Select(c => c.Status));
        Assert.All(today.Checks, c => Assert.Contains("*", c.Phone));
    }
}
