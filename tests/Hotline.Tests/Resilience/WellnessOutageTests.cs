using Hotline.Tests.Support;
using Hotline.Tests.Wellness;

namespace Hotline.Tests.Resilience;

// A resident answering a wellness call while the database is away: the check and the attempt are in the URLs, so the
// question and its answers come as they would, in every language, and the replay settles the check.
public sealed class WellnessOutageTests(HotlineFixture fixture) : OutageTest(fixture)
{
    async Task<(long CheckId, WellnessLine Line)> RingingAsync()
    {
        var (checkId, phone) = await WellnessLine.DueCheckAsync(Db, "zh-CN", "{elderly_alone}");
        return (checkId, await WellnessLine.RingAsync(Db, Twilio, checkId, phone));
    }

    [Fact]
    public async Task A_resident_who_is_well_is_asked_again_after_silence_thanked_and_counted_well_once_the_database_is_back()
    {
        var (checkId, line) = await RingingAsync();
        Fixture.DatabaseProxy.Cut();

        var prompt = await line.PickUp();
        var silence = await line.Press("", attempt: 1);
        var thanks = await line.Press("1", attempt: 2);
        await line.Status("completed");

        Assert.Contains("如果您一切安好，请按1", prompt.SaidText);
        Assert.Contains("Press 1 if you are well", prompt.SaidText);
        Assert.Equal($"/twilio/voice/wellness/answer?check={checkId}&attempt=1", prompt.Attribute("Gather", "action"));
        Assert.Equal($"/twilio/voice/wellness/answer?check={checkId}&attempt=2", silence.Attribute("Gather", "action"));
        Assert.Contains("we are glad you are well", thanks.SaidText);
        Assert.Equal(["Say", "Say", "Hangup"], thanks.Verbs);

        await ReplayUntilEmptyAsync();
        Assert.Equal(("well", "pressed 1"), await RowAsync<(string, string)>(
            "SELECT status, last_result FROM wellness_checks WHERE id = @checkId", new { checkId }));
    }

    [Fact]
    public async Task A_resident_who_needs_help_is_asked_for_a_message_and_gets_an_urgent_need_once_the_database_is_back()
    {
        var (checkId, line) = await RingingAsync();
        Fixture.DatabaseProxy.Cut();

        await line.PickUp();
        var help = await line.Press("2");
        await line.Status("completed");

        Assert.Contains("Record", help.Verbs);
        Assert.Contains("technical problem", help.SaidText);

        await ReplayUntilEmptyAsync();
        Assert.Equal("needs_help", await ScalarAsync<string>("SELECT status FROM wellness_checks WHERE id = @checkId", new { checkId }));
        Assert.Equal(("wellness_help", "urgent"), await RowAsync<(string, string)>("SELECT category, urgency FROM needs"));
    }
}
