extern alias sandbox;
using Hotline.Telephony;
using Hotline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using sandbox::Hotline.Sandbox.Phones;

namespace Hotline.Tests.Telephony;

// Outbound SMS leave through the pump, not through a job each. What it must never do: forget a message nobody woke
// it for, send one twice when two instances pump at once, or hammer Twilio while Twilio turns a message away.
public sealed class SmsPumpTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    Outbox Outbox => Fixture.Factory.Services.GetRequiredService<Outbox>();

    async Task<long> QueueAsync(string to, string key)
    {
        await using var conn = await Db.OpenConnectionAsync();
        return await Outbox.QueueSmsAsync(conn, null, new OutboundSms(to, $"Your reference is {key}", "test", key), HotlineFixture.HotlineNumber, DateTime.UtcNow);
    }

    Task<string> SidAsync(long id) => ScalarAsync<string>("SELECT coalesce(message_sid, '') FROM messages WHERE id = @id", new { id });

    // The sandbox notes a message just after answering the request that sent it.
    Task<IReadOnlyList<ReceivedSms>> ReceivedAsync(string phone) =>
        Eventually.WaitForAsync(() => Task.FromResult(Fixture.Sandbox.Phones.MessagesTo(phone)), m => m.Count > 0);

    Task<long> UnsentAsync() => ScalarAsync<long>("SELECT count(*) FROM messages WHERE message_sid IS NULL");

    [Fact]
    public async Task A_message_committed_by_an_instance_that_died_before_waking_its_pump_is_sent_by_the_poll()
    {
        // Queued and never dispatched: what a process killed right after its commit leaves behind.
        var id = await QueueAsync("+8613800000501", "orphan");

        await Eventually.WaitForAsync(() => SidAsync(id), sid => sid != "");

        Assert.Equal("Your reference is orphan", Assert.Single(await ReceivedAsync("+8613800000501")).Body);
    }

    [Fact]
    public async Task Two_instances_pumping_a_burst_side_by_side_send_every_message_exactly_once()
    {
        await using var other = SecondInstance.Start(Fixture);
        var otherOutbox = other.Factory.Services.GetRequiredService<Outbox>();
        var phones = Enumerable.Range(0, 60).Select(i => $"+86138000006{i:D2}").ToList();

        await Task.WhenAll(phones.Select(async (phone, i) =>
        {
            await QueueAsync(phone, $"burst-{i}");
            (i % 2 == 0 ? Outbox : otherOutbox).DispatchSms();
        }));

        await Eventually.WaitForAsync(UnsentAsync, unsent => unsent == 0);
        await Eventually.WaitForAsync(() => Task.FromResult(phones.Sum(phone => Fixture.Sandbox.Phones.MessagesTo(phone).Count)), sent => sent >= phones.Count);
        await Task.Delay(500);
        Assert.All(phones, phone => Assert.Single(Fixture.Sandbox.Phones.MessagesTo(phone)));
        Assert.Equal(1, await ScalarAsync<int>("SELECT max(attempts) FROM messages"));
    }

    [Fact]
    public async Task A_message_twilio_turns_away_for_now_waits_its_back_off_before_the_next_try()
    {
        // The gateway itself tries four times within a few seconds; the fifth request is the pump's next try.
        Fixture.Sandbox.Phones.SetBehaviour("+8613800000502", new PhoneBehaviour { RestFailure = new RestFailure(503, null, "Service Unavailable", Times: 4) });

        var id = await QueueAsync("+8613800000502", "later");
        Outbox.DispatchSms();

        var first = await Eventually.WaitForAsync(
            () => RowAsync<(int Attempts, string Status, bool BackingOff)>(
                "SELECT attempts, status, send_after > now() + interval '1 second' FROM messages WHERE id = @id", new { id }),
            row => row.Attempts == 1 && row.Status == Outbox.Pending);
        Assert.True(first.BackingOff);
        // Woken again at once, the pump leaves it alone until its back-off has passed.
        Outbox.DispatchSms();
        await Task.Delay(300);
        Assert.Equal(1, await ScalarAsync<int>("SELECT attempts FROM messages WHERE id = @id", new { id }));

        await Eventually.WaitForAsync(() => SidAsync(id), sid => sid != "");
        Assert.Equal(2, await ScalarAsync<int>("SELECT attempts FROM messages WHERE id = @id", new { id }));
        Assert.Single(await ReceivedAsync("+8613800000502"));
    }
}
