using Hotline.Telephony;
using Hotline.Tests.Support;

namespace Hotline.Tests.Messaging;

// Twilio's delivery reports carry no sequence number and may arrive late, twice or at once: a message's status only
// moves forward, and a final one stays.
public sealed class SmsStatusTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    // A row as the pump leaves it while Twilio holds the message: claimed, no SID yet (so the pump leaves it alone).
    Task<long> SentMessageAsync(string to) =>
        QueueClaimedSmsAsync(new OutboundSms(to, "Your reference is 100007", "test", $"status:{to}"), "status = 'dispatching'");

    Task ReportAsync(long id, string sid, string status, string? errorCode = null)
    {
        var form = new Dictionary<string, string> { ["MessageSid"] = sid, ["MessageStatus"] = status };
        if (errorCode is not null)
        {
            form["ErrorCode"] = errorCode;
        }

        return Twilio.PostAsync($"/twilio/sms/status?message={id}", form);
    }

    Task<(string Status, string? Sid, int? ErrorCode)> MessageAsync(long id) =>
        RowAsync<(string, string?, int?)>("SELECT status, message_sid, error_code FROM messages WHERE id = @id", new { id });

    [Fact]
    public async Task A_late_sent_after_delivered_leaves_the_message_delivered()
    {
        var id = await SentMessageAsync("+8613800000701");

        await ReportAsync(id, "SM701", "queued");
        await ReportAsync(id, "SM701", "delivered");
        await ReportAsync(id, "SM701", "sent");

        Assert.Equal(("delivered", "SM701", (int?)null), await MessageAsync(id));
    }

    [Fact]
    public async Task A_final_failure_stays_even_when_a_delivered_comes_after_it()
    {
        var id = await SentMessageAsync("+8613800000702");

        await ReportAsync(id, "SM702", "undelivered", "30003");
        await ReportAsync(id, "SM702", "delivered");

        Assert.Equal(("undelivered", "SM702", (int?)30003), await MessageAsync(id));
    }

    [Fact]
    public async Task Reports_arriving_together_end_in_the_furthest_status_whatever_their_order()
    {
        var id = await SentMessageAsync("+8613800000703");

        await Task.WhenAll(new[] { "queued", "sent", "delivered", "sending", "sent" }.Select(status => ReportAsync(id, "SM703", status)));

        Assert.Equal(("delivered", "SM703", (int?)null), await MessageAsync(id));
    }

    [Fact]
    public async Task A_report_found_by_its_sid_alone_moves_the_message_on()
    {
        var id = await SentMessageAsync("+8613800000704");
        await ReportAsync(id, "SM704", "sent");

        await Twilio.PostAsync("/twilio/sms/status", new Dictionary<string, string> { ["MessageSid"] = "SM704", ["MessageStatus"] = "delivered" });

        Assert.Equal(("delivered", "SM704", (int?)null), await MessageAsync(id));
    }
}
