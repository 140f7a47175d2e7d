extern alias sandbox;
using Hangfire;
using Hotline.Escalations;
using Hotline.Telephony;
using Microsoft.Extensions.DependencyInjection;
using sandbox::Hotline.Sandbox.Phones;

namespace Hotline.Tests.Support;

// Every test starts from empty tables whose ids start again at 1 (needs' at a new million), so what one test leaves
// running must not reach into the next one's rows of the same id. CI once failed a wellness test on a round the test
// before had set going.
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

    [Fact]
    public async Task An_escalation_timer_left_armed_does_not_run_the_next_tests_need()
    {
        var left = await UrgentNeedAsync("left", TimeSpan.FromSeconds(1));
        Fixture.Factory.Services.GetRequiredService<EscalationScheduler>().ArmTimer(left, DateTime.UtcNow.AddSeconds(1));

        await Fixture.ResetAsync();
        // Due in five minutes: beyond the sweep's look-ahead, so only that timer could look at it now.
        var next = await UrgentNeedAsync("next", TimeSpan.FromMinutes(5));
        await Task.Delay(TimeSpan.FromSeconds(2));

        // A run of its ladder would have noted the deadline as its next step.
        Assert.True(await ScalarAsync<bool>("SELECT escalation_due_at IS NULL FROM needs WHERE id = @next", new { next }));
        Assert.NotEqual(left, next);
    }

    Task<long> UrgentNeedAsync(string reference, TimeSpan ackIn) =>
        ScalarAsync<long>(
            """
            INSERT INTO needs (reference, phone, source, category, urgency, ack_deadline, fulfil_deadline, created_at, updated_at)
            VALUES (@reference, '+8613812345678', 'call', 'urgent_medical', 'urgent', @deadline, @deadline + interval '3 hours', now(), now())
            RETURNING id
            """, new { reference, deadline = DateTime.UtcNow + ackIn });

    async Task<long> QueueCallAsync(Outbox outbox, string to, string key)
    {
        await using var conn = await Db.OpenConnectionAsync();
        return await outbox.QueueCallAsync(conn, null, new OutboundCall(to, "/twilio/voice/incoming", "test", key), HotlineFixture.HotlineNumber,
            DateTime.UtcNow);
    }
}
