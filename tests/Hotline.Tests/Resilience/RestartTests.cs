using Hotline.Telephony;
using Hotline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hotline.Tests.Resilience;

// A process killed in the middle of sending an alert: the delivery job had claimed the outbox row (pending ->
// dispatching) and died before or after handing it to Twilio. Neither may lose the message or send it twice.
public sealed class RestartTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    OutboxSweeper Sweeper => Fixture.Factory.Services.GetServices<IHostedService>().OfType<OutboxSweeper>().Single();

    // What SmsDeliveryJob's claim leaves behind when its process dies before the write-back, a while ago.
    Task<long> ClaimedByADeadWorkerAsync(string to) =>
        QueueClaimedSmsAsync(new OutboundSms(to, "Alert: urgent need N-1", "escalation", $"restart:{to}"),
            "status = 'dispatching', attempts = 1, updated_at = now() - interval '3 minutes'");

    [Fact]
    public async Task A_claim_left_by_a_process_killed_before_the_send_is_sent_once_by_the_sweeper()
    {
        const string supervisor = "+8613800000401";
        var id = await ClaimedByADeadWorkerAsync(supervisor);

        await Sweeper.SweepAsync(CancellationToken.None);
        await Sweeper.SweepAsync(CancellationToken.None);

        var sms = await Eventually.WaitForAsync(() => Task.FromResult(Fixture.Sandbox.Phones.MessagesTo(supervisor)), m => m.Count > 0);
        Assert.Equal("Alert: urgent need N-1", Assert.Single(sms).Body);
        var status = await Eventually.WaitForAsync(
            () => ScalarAsync<string>("SELECT status FROM messages WHERE id = @id", new { id }), s => s is not ("pending" or "dispatching"));
        Assert.NotNull(await ScalarAsync<string>("SELECT message_sid FROM messages WHERE id = @id", new { id }));
        await Sweeper.SweepAsync(CancellationToken.None);
        Assert.Single(Fixture.Sandbox.Phones.MessagesTo(supervisor));
        Assert.Contains(status, new[] { "queued", "sent", "delivered" });
    }

    [Fact]
    public async Task A_claim_whose_send_twilio_accepted_is_not_sent_again_once_its_status_callback_arrived()
    {
        // Killed after Twilio accepted the message but before the SID was written back: Twilio's status callback
        // (to any live instance) carries our row id and binds the SID, so the sweeper leaves the row alone.
        const string supervisor = "+8613800000402";
        var id = await ClaimedByADeadWorkerAsync(supervisor);
        await Twilio.PostAsync($"/twilio/sms/status?message={id}",
            new Dictionary<string, string> { ["MessageSid"] = "SM402", ["MessageStatus"] = "sent", ["To"] = supervisor });

        await Sweeper.SweepAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Empty(Fixture.Sandbox.Phones.MessagesTo(supervisor));
        Assert.Equal(("sent", "SM402"), await RowAsync<(string, string)>("SELECT status, message_sid FROM messages WHERE id = @id", new { id }));
    }
}
