using Hotline.Tests.Support;

namespace Hotline.Tests.Messaging;

public sealed class SmsTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    static Dictionary<string, string> Sms(string sid, string from, string body) => new()
    {
        ["MessageSid"] = sid, ["SmsSid"] = sid, ["AccountSid"] = "AC_test", ["From"] = from, ["To"] = "+8621000000000",
        ["Body"] = body, ["NumMedia"] = "0",
    };

    [Fact]
    public async Task A_residents_sms_opens_a_need_and_the_reply_gives_the_reference()
    {
        var answer = await Twilio.PostAsync("/twilio/sms/incoming", Sms("SM100", "+8613800000002", "Need insulin for my father, building 3"));

        var need = await RowAsync<(string Reference, string Category, string Source, string Summary)>("SELECT reference, category, source, summary FROM needs");
        Assert.Equal(("other", "sms", "Need insulin for my father, building 3"), (need.Category, need.Source, need.Summary));
        Assert.Contains(need.Reference, answer.Twiml.Descendants("Message").Single().Value);
        Assert.Equal(await ScalarAsync<long>("SELECT id FROM needs"), await ScalarAsync<long>("SELECT need_id FROM messages"));
    }

    [Fact]
    public async Task The_same_message_delivered_twice_is_stored_once_with_one_need()
    {
        var first = await Twilio.PostAsync("/twilio/sms/incoming", Sms("SM200", "+8613800000003", "food please"));
        var again = await Twilio.PostAsync("/twilio/sms/incoming", Sms("SM200", "+8613800000003", "food please"));

        Assert.Equal(first.Body, again.Body);
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM messages"));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM needs"));
    }

    [Fact]
    public async Task A_local_number_is_stored_in_e164()
    {
        await Twilio.PostAsync("/twilio/sms/incoming", Sms("SM300", "138 0000 0004", "hello"));

        Assert.Equal("+8613800000004", await ScalarAsync<string>("SELECT from_phone FROM messages"));
    }
}
