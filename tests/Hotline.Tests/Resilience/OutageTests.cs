extern alias sandbox;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Resilience;
using Hotline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using sandbox::Hotline.Sandbox.Calls;

namespace Hotline.Tests.Resilience;

// The database goes away (or hangs) while residents call; nobody's voicemail may be lost and nothing doubled.
public sealed class OutageTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    WebhookJournal Journal => Fixture.Factory.Services.GetRequiredService<WebhookJournal>();

    async Task ReplayUntilEmptyAsync()
    {
        Fixture.DatabaseProxy.Restore();
        // The background replayer runs every second; waiting for it is the real thing.
        await Eventually.WaitForAsync(() => Task.FromResult(Journal.Depth), depth => depth == 0, seconds: 30);
        Assert.Equal(0, Journal.Depth);
    }

    [Fact]
    public async Task During_an_outage_a_caller_still_leaves_a_voicemail_that_lands_once_the_database_is_back()
    {
        const string resident = "+8613800000301";
        Fixture.DatabaseProxy.Cut();

        var transcript = await Fixture.Sandbox.Residents.CallAsync(new CallerScript
        {
            From = resident, Presses = ["2"], RecordSeconds = 10, RecordTranscript = "Dialysis tomorrow at 7, need a car",
        });

        Assert.True(transcript.AllRequestsSucceeded, string.Join("\n", transcript.Steps));
        Assert.Contains(transcript.Said, s => s.Contains("technical problem"));
        Assert.Contains(transcript.Said, s => s.Contains("Your reference will follow by SMS"));
        Assert.True(Journal.Depth >= 4, $"journal depth {Journal.Depth}");
        var ready = await Fixture.Factory.CreateClient().GetAsync("/readyz");
        var readiness = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.True(readiness.GetProperty("degraded").GetBoolean());

        await ReplayUntilEmptyAsync();

        var call = await RowAsync<(string Outcome, long Events, long Replayed)>(
            """
            SELECT c.outcome, count(e.id), count(e.id) FILTER (WHERE e.replayed)
            FROM calls c JOIN call_events e ON e.call_id = c.id WHERE c.call_sid = @CallSid GROUP BY c.outcome
            """, new { transcript.CallSid });
        Assert.Equal("voicemail", call.Outcome);
        Assert.Equal(call.Events, call.Replayed);
        Assert.Equal("Dialysis tomorrow at 7, need a car", await ScalarAsync<string>("SELECT transcript FROM voicemails"));
        var reference = await ScalarAsync<string>("SELECT reference FROM needs");
        var sms = await Eventually.WaitForAsync(() => Task.FromResult(Fixture.Sandbox.Phones.MessagesTo(resident)), m => m.Count > 0);
        Assert.Contains(reference, Assert.Single(sms).Body);
    }

    [Fact]
    public async Task A_hanging_database_costs_a_webhook_at_most_its_time_budget_and_the_late_write_is_not_doubled()
    {
        var caller = new Caller(Twilio, "+8613800000302");
        Fixture.DatabaseProxy.Stall();

        var clock = Stopwatch.StartNew();
        var answer = await caller.Dial();
        clock.Stop();

        Assert.Contains("Record", answer.Verbs);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"answered in {clock.Elapsed}");
        await ReplayUntilEmptyAsync();
        await caller.Dial();

        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM calls"));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM call_events WHERE kind = 'incoming'"));
    }

    [Fact]
    public async Task An_sms_sent_during_an_outage_opens_its_need_later_and_the_reference_follows_by_sms()
    {
        Fixture.DatabaseProxy.Cut();
        var reply = await Twilio.PostAsync("/twilio/sms/incoming",
            new Dictionary<string, string> { ["MessageSid"] = "SM301", ["From"] = "+8613800000303", ["Body"] = "No food left" });
        Assert.Contains("reference will follow", reply.Twiml.Descendants("Message").Single().Value);

        await ReplayUntilEmptyAsync();

        var reference = await ScalarAsync<string>("SELECT reference FROM needs WHERE source = 'sms'");
        var sms = await Eventually.WaitForAsync(() => Task.FromResult(Fixture.Sandbox.Phones.MessagesTo("+8613800000303")), m => m.Count > 0);
        Assert.Contains(reference, Assert.Single(sms).Body);
    }

    [Fact]
    public async Task The_fallback_url_takes_a_voicemail_without_the_database_and_records_it_later()
    {
        var caller = new Caller(Twilio, "+8613800000304");
        Fixture.DatabaseProxy.Cut();

        var answer = await caller.PostAsync("/twilio/voice/fallback", ("ErrorCode", "11200"), ("ErrorUrl", "https://hotline.test/twilio/voice/incoming"));
        Assert.Contains("Record", answer.Verbs);
        await caller.PostAsync("/twilio/voice/voicemail/recorded", ("RecordingSid", "RE304"), ("RecordingDuration", "9"));

        await ReplayUntilEmptyAsync();

        Assert.Equal(["fallback", "need_opened", "recorded", "callback_opened"],
            (await QueryAsync<string>("SELECT kind FROM call_events ORDER BY id")).ToArray());
        Assert.Equal("voicemail", await ScalarAsync<string>("SELECT stage FROM calls"));
    }

    async Task<IEnumerable<T>> QueryAsync<T>(string sql)
    {
        await using var conn = await Db.OpenConnectionAsync();
        return await Dapper.SqlMapper.QueryAsync<T>(conn, sql);
    }
}
