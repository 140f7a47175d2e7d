using Hotline.Calls;
using Hotline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hotline.Tests.Resilience;

// A caller already waiting in the queue when the database goes away: the queue's answers need only what Twilio sends
// (how long they have waited), so the callback offer and the end of the wait still come when they would have.
public sealed class QueueOutageTests(HotlineFixture fixture) : OutageTest(fixture)
{
    IvrOptions Ivr => Fixture.Factory.Services.GetRequiredService<IOptions<IvrOptions>>().Value;

    async Task<Caller> InTheQueueAsync()
    {
        await ExecuteAsync("INSERT INTO staff (username, display_name, role, password_hash, on_duty) VALUES ('op', 'Op', 'operator', 'x', true)");
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");
        await caller.Press("/twilio/voice/menu?attempt=1", "4");
        return caller;
    }

    Task<WebhookAnswer> WaitedAsync(Caller caller, int seconds) =>
        caller.PostAsync("/twilio/voice/queue/wait", ("QueuePosition", "1"), ("QueueTime", seconds.ToString()));

    [Fact]
    public async Task A_caller_waiting_through_an_outage_is_offered_a_callback_and_pressing_1_asks_for_one()
    {
        var caller = await InTheQueueAsync();
        Fixture.DatabaseProxy.Cut();

        var early = await WaitedAsync(caller, Ivr.OfferCallbackAfterSeconds - 1);
        var offered = await WaitedAsync(caller, Ivr.OfferCallbackAfterSeconds);
        var pressed = await caller.Press("/twilio/voice/queue/callback", "1");
        // The wait document hangs up; whether or not Twilio then reports the queue's end, the key press decides.
        await caller.PostAsync("/twilio/voice/queue/done", ("QueueResult", "hangup"), ("QueueTime", (Ivr.OfferCallbackAfterSeconds + 5).ToString()));
        await caller.Status("completed", 120);

        Assert.DoesNotContain("Gather", early.Verbs);
        Assert.Contains("Please keep holding", early.SaidText);
        Assert.Equal("/twilio/voice/queue/callback", offered.Attribute("Gather", "action"));
        Assert.Contains("To be called back instead, press 1", offered.SaidText);
        // Told the request is taken, rather than sent on to a voicemail it did not ask for.
        Assert.Contains("will call you back in your turn", pressed.SaidText);
        Assert.Equal("Hangup", pressed.Verbs.Last());
        Assert.DoesNotContain("Leave", pressed.Verbs);
        Assert.True(Journal.Depth >= 5, $"journal depth {Journal.Depth}");

        await ReplayUntilEmptyAsync();

        Assert.Equal("callback_requested", await ScalarAsync<string>("SELECT outcome FROM calls"));
        Assert.Equal("queue_request", await ScalarAsync<string>("SELECT source FROM callbacks"));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM callbacks"));
    }

    [Fact]
    public async Task A_caller_pressing_another_key_during_the_outage_keeps_their_place_in_the_queue()
    {
        var caller = await InTheQueueAsync();
        Fixture.DatabaseProxy.Cut();

        var pressed = await caller.Press("/twilio/voice/queue/callback", "5");

        // An empty document: the wait URL plays again, as when the database answers.
        Assert.Empty(pressed.Verbs);
        await ReplayUntilEmptyAsync();
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM call_events WHERE kind = 'queue_key_ignored'"));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM callbacks"));
    }

    [Fact]
    public async Task A_caller_put_through_to_an_operator_is_not_asked_for_a_voicemail_when_the_conversation_ends_in_an_outage()
    {
        var caller = await InTheQueueAsync();
        Fixture.DatabaseProxy.Cut();

        var afterTalking = await caller.PostAsync("/twilio/voice/queue/done", ("QueueResult", "bridged"), ("QueueTime", "30"));

        Assert.Equal(["Hangup"], afterTalking.Verbs);
        await ReplayUntilEmptyAsync();
        Assert.Equal("bridged", await ScalarAsync<string>("SELECT queue_result FROM calls"));
    }

    [Fact]
    public async Task A_caller_waiting_through_an_outage_leaves_the_queue_for_the_voicemail_once_the_wait_is_up()
    {
        var caller = await InTheQueueAsync();
        Fixture.DatabaseProxy.Cut();

        var waitedOut = await WaitedAsync(caller, Ivr.MaxWaitSeconds);
        var done = await caller.PostAsync("/twilio/voice/queue/done", ("QueueResult", "leave"), ("QueueTime", Ivr.MaxWaitSeconds.ToString()));

        Assert.Equal(["Leave"], waitedOut.Verbs);
        Assert.Contains("Record", done.Verbs);
        await ReplayUntilEmptyAsync();
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM call_events WHERE kind = 'queue_timeout'"));
    }
}
