extern alias sandbox;
using System.Net.Http.Json;
using Dapper;
using Hotline.Staff;
using Hotline.Tests.Support;
using Hotline.Wellness;
using Microsoft.Extensions.DependencyInjection;
using sandbox::Hotline.Sandbox.Phones;

namespace Hotline.Tests.Wellness;

// A whole round played by the sandbox: the app places the calls through the gateway, the residents' phones answer
// (or not) as they are told, and every webhook is a real signed one.
public sealed class WellnessRoundSandboxTests(HotlineFixture fixture) : HotlineTest(fixture), IAsyncLifetime
{
    const string Well = "+8613800000301";
    const string NeedsHelp = "+8613800000302";
    const string NoAnswer = "+8613800000303";
    const string Busy = "+8613800000304";
    const string NotFlagged = "+8613800000305";
    const string Supervisor = "+8613900000306";

    // The ladders of the home visits would go on ringing the supervisor into the next test.
    public new async Task DisposeAsync()
    {
        await ExecuteAsync("UPDATE needs SET status = 'cancelled', escalation_due_at = NULL WHERE status IN ('open', 'acknowledged')");
        await base.DisposeAsync();
    }

    PhoneBook Phones => Fixture.Sandbox.Phones;

    [Fact]
    public async Task A_round_reaches_the_well_and_the_one_in_need_and_retries_the_others_until_an_urgent_home_visit()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", Roles.Operator, onDuty: true);
        await StaffLogin.AddStaffAsync(Fixture, "sup", Roles.Supervisor, onDuty: true);
        await ExecuteAsync("UPDATE staff SET phone = @Supervisor, escalation_level = 1, language = 'en-US' WHERE username = 'sup'", new { Supervisor });
        await ExecuteAsync(
            """
            INSERT INTO residents (phone, name, language, flags) VALUES
                (@Well, 'Wang Fang', 'en-US', '{elderly_alone}'),
                (@NeedsHelp, 'Li Wei', 'en-US', '{elderly_alone,disabled}'),
                (@NoAnswer, 'Zhang San', 'zh-CN', '{elderly_alone}'),
                (@Busy, 'Chen Jing', NULL, '{elderly_alone}'),
                (@NotFlagged, 'Sun Li', 'en-US', '{dialysis}')
            """, new { Well, NeedsHelp, NoAnswer, Busy, NotFlagged });
        Phones.SetBehaviour(Well, new PhoneBehaviour { Presses = ["1"] });
        // Hangs up once in the queue: a time after answering would race the key press on a slow machine.
        Phones.SetBehaviour(NeedsHelp, new PhoneBehaviour { Presses = ["2"], HangupAt = "queue" });
        Phones.SetBehaviour(NoAnswer, new PhoneBehaviour { Answer = AnswerMode.NoAnswer });
        Phones.SetBehaviour(Busy, new PhoneBehaviour { Answer = AnswerMode.Busy });

        await Fixture.Factory.Services.GetRequiredService<WellnessRoundJob>().RunAsync(CancellationToken.None);

        var first = await Eventually.WaitForAsync(ChecksAsync, c =>
            c[Well].Status == "well" && c[NeedsHelp].Status == "needs_help"
            // A check is pending before its first call too; pending after attempt 1 means that attempt has its result.
            && new[] { NoAnswer, Busy }.All(p => c[p].Status == "pending" && c[p].Attempts == 1));
        Assert.Equal(("well", 1), (first[Well].Status, first[Well].Attempts));
        Assert.Equal(("needs_help", 1), (first[NeedsHelp].Status, first[NeedsHelp].Attempts));
        Assert.Equal(("pending", 1, "no answer"), (first[NoAnswer].Status, first[NoAnswer].Attempts, first[NoAnswer].LastResult));
        Assert.Equal(("pending", 1, "busy"), (first[Busy].Status, first[Busy].Attempts, first[Busy].LastResult));
        Assert.False(first.ContainsKey(NotFlagged));
        Assert.Empty(Phones.CallsOf(NotFlagged));

        var wellCall = Assert.Single(Phones.CallsOf(Well));
        Assert.Contains(wellCall.Said, s => s.Contains("Press 1 if you are well. Press 2 if you need help."));
        Assert.Contains(wellCall.Said, s => s.Contains("glad you are well"));
        Assert.Equal("1", wellCall.DigitsPressed);

        var help = await RowAsync<(string Reference, string Category, string Urgency, string Source)>(
            "SELECT reference, category, urgency, source FROM needs WHERE phone = @NeedsHelp", new { NeedsHelp });
        Assert.Equal(("wellness_help", "urgent", "wellness"), (help.Category, help.Urgency, help.Source));
        Assert.Equal("urgent", await ScalarAsync<string>("SELECT queue_name FROM calls WHERE to_phone = @NeedsHelp", new { NeedsHelp }));
        var helpCall = await Eventually.WaitForAsync(() => Task.FromResult(Phones.CallsOf(NeedsHelp)), c => c.Count == 1);
        Assert.Contains(Assert.Single(helpCall).Said, s => s.Contains(string.Join(' ', help.Reference.ToCharArray())));

        // Each further attempt once its back-off is over (brought forward here), placed by the sweep.
        var sweeper = Fixture.Factory.Services.GetRequiredService<WellnessSweeper>();
        for (var attempt = 2; attempt <= 4; attempt++)
        {
            await ExecuteAsync("UPDATE wellness_checks SET next_attempt_at = now() - interval '1 minute' WHERE status = 'pending'");
            await sweeper.SweepAsync(CancellationToken.None);
            var expected = attempt;
            await Eventually.WaitForAsync(ChecksAsync, c =>
                new[] { NoAnswer, Busy }.All(p => c[p].Attempts == expected && c[p].Status is "pending" or "not_reached"));
        }

        var last = await ChecksAsync();
        Assert.Equal(("not_reached", 4, "no answer"), (last[NoAnswer].Status, last[NoAnswer].Attempts, last[NoAnswer].LastResult));
        Assert.Equal(("not_reached", 4, "busy"), (last[Busy].Status, last[Busy].Attempts, last[Busy].LastResult));
        Assert.Equal(4, Phones.CallsOf(Busy).Count);
        Assert.All(Phones.CallsOf(Busy), c => Assert.Equal("busy", c.Status));
        Assert.Equal(4, Phones.CallsOf(NoAnswer).Count);
        Assert.Single(Phones.CallsOf(Well));

        var visits = (await QueryAsync<(string Phone, string Category, string Urgency, long Id)>(
            "SELECT phone, category, urgency, id FROM needs WHERE category = 'home_visit' ORDER BY phone")).ToList();
        Assert.Equal([(NoAnswer, "home_visit", "urgent"), (Busy, "home_visit", "urgent")], visits.Select(v => (v.Phone, v.Category, v.Urgency)));
        Assert.Equal(visits.Select(v => (long?)v.Id), new[] { last[NoAnswer].NeedId, last[Busy].NeedId });
        // No one waits out an acknowledgement deadline: the ladder texts the on-duty level-1 supervisor about each home
        // visit at once, and about nothing else (the resident who asked for help is in the urgent queue).
        var references = (await QueryAsync<string>("SELECT reference FROM needs WHERE category = 'home_visit' ORDER BY reference")).ToList();
        Assert.Equal(2, references.Count);
        var alerts = await Eventually.WaitForAsync(() => Task.FromResult(Phones.MessagesTo(Supervisor)),
            m => references.All(r => m.Any(a => a.Body.StartsWith($"URGENT: need {r} ("))));
        Assert.Equal(references, alerts.Select(a => a.Body.Split(' ')[2]).Distinct().Order());
        Assert.All(alerts, a => Assert.StartsWith("URGENT: need ", a.Body));
        Assert.All(alerts, a => Assert.Contains("(home visit", a.Body));

        using var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        var today = await client.GetFromJsonAsync<WellnessEndpoints.WellnessDay>("/api/wellness/today");
        Assert.Equal((4, 2, 1, 1, 2, 0), (today!.Total, today.Reached, today.Well, today.NeedsHelp, today.NotReached, today.InProgress));
    }

    sealed record CheckRow(string Phone, string Status, int Attempts, string? LastResult, long? NeedId);

    async Task<Dictionary<string, CheckRow>> ChecksAsync() =>
        (await QueryAsync<CheckRow>("SELECT phone, status, attempts, last_result, need_id FROM wellness_checks")).ToDictionary(c => c.Phone);

    async Task<IEnumerable<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var conn = await Db.OpenConnectionAsync();
        return await conn.QueryAsync<T>(sql, args);
    }
}
