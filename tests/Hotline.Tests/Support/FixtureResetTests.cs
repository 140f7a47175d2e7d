extern alias sandbox;
using Hangfire;
using Hotline.Telephony;
using Microsoft.Extensions.DependencyInjection;
using sandbox::Hotline.Sandbox.Phones;

namespace Hotline.Tests.Support;

// Every test starts from empty tables whose ids start again at 1, so what one test leaves running must not reach
// into the next one's rows of the same id. CI once failed a wellness test on a round the test before had set going.
public sealed class FixtureResetTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    const string Later = "+8613700000001";
    const string Ringing = "+8613700000002";
    const string NextTests = "+8613700000003";

    [Fact]
    public async Task A_job_left_scheduled_and_a_call_left_ringing_do_not_reach_the_next_tests_rows()
    {
        var outbox = Fixture.Factory.Services.GetRequiredService<Outbox>();
        var later = await QueueCallAsync(outbox, Later, "later");
        Fixture.Factory.Services.GetRequiredService<IBackgroundJobClient>()
            .Schedule<CallDeliveryJob>(job => job.RunAsync(later, CancellationToken.None), TimeSpan.FromSeconds(2));
        // Ringing as the reset begins; its no-answer comes while the reset waits.
        Fixture.Sandbox.Phones.SetBehaviour(Ringing, new PhoneBehaviour { Answer = AnswerMode.NoAnswer });
        outbox.DispatchCall(await QueueCallAsync(outbox, Ringing, "ringing"));
        await Eventually.WaitForAsync(() => Task.FromResult(Fixture.Sandbox.Sandbox.Calls.All()),
            calls => calls.Any(c => c.To == Ringing && c.Status == "ringing"));

        await Fixture.ResetAsync();
        var next = await QueueCallAsync(outbox, NextTests, "next test");
        // Past the time of the job left behind.
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal(later, next);
        Assert.Equal(("pending", (string?)null), await RowAsync<(string, string?)>("SELECT status, call_sid FROM calls WHERE id = @next", new { next }));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM calls"));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM call_events"));
        Assert.Empty(Fixture.Sandbox.Sandbox.Calls.All());
    }

    async Task<long> QueueCallAsync(Outbox outbox, string to, string key)
    {
        await using var conn = await Db.OpenConnectionAsync();
        return await outbox.QueueCallAsync(conn, null, new OutboundCall(to, "/twilio/voice/incoming", "test", key), HotlineFixture.HotlineNumber,
            DateTime.UtcNow);
    }
}
