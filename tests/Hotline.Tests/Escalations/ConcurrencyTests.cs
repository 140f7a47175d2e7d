using Hangfire;
using Hotline.Escalations;
using Hotline.Infrastructure;
using Hotline.Tests.Support;

namespace Hotline.Tests.Escalations;

public sealed class ConcurrencyTests(HotlineFixture fixture) : EscalationTest(fixture)
{
    [Fact]
    public async Task The_same_escalation_job_run_many_times_at_once_sends_one_sms_per_person()
    {
        var first = await AddStaffAsync("first", level: 1);
        var other = await AddStaffAsync("other", level: 1);
        var need = await UrgentNeedAsync(TimeSpan.FromSeconds(-1), watch: false);
        var job = new EscalationJob(Service<EscalationScheduler>(), TimeProvider.System);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => job.RunAsync(need.Id, need.AckDeadline, CancellationToken.None))));

        Assert.Equal($"ack:0:L1:sms:{first.Id} ack:0:L1:sms:{other.Id}", Shape(await AlertsAsync(need.Id)));
        Assert.Equal(1, await OutboundSmsCountAsync(first.Phone!));
        Assert.Equal(1, await OutboundSmsCountAsync(other.Phone!));
        await SmsReceivedAsync(first.Phone!);
        await SmsReceivedAsync(other.Phone!);
        await Task.Delay(300);
        Assert.Single(Phones.MessagesTo(first.Phone!));
        Assert.Single(Phones.MessagesTo(other.Phone!));
    }

    [Fact]
    public async Task Two_hangfire_servers_on_one_database_send_one_sms_per_level()
    {
        var first = await AddStaffAsync("first", level: 1);
        var second = await AddStaffAsync("second", level: 2);
        var need = await UrgentNeedAsync(TimeSpan.Zero, watch: false);

        // A second instance's job server beside the app's own, on the same storage.
        using var server = new BackgroundJobServer(
            new BackgroundJobServerOptions
            {
                ServerName = "second-instance",
                Queues = HangfireSetup.Queues,
                WorkerCount = 4,
                SchedulePollingInterval = TimeSpan.FromMilliseconds(100),
                Activator = Service<JobActivator>(),
            },
            Service<JobStorage>());
        var jobs = Service<IBackgroundJobClient>();
        // Every instance that saw the need checks it: some at once, some a moment later, all past the deadline.
        for (var i = 0; i < 8; i++)
        {
            jobs.Enqueue<EscalationJob>(job => job.RunAsync(need.Id, need.AckDeadline, CancellationToken.None));
            jobs.Schedule<EscalationJob>(job => job.RunAsync(need.Id, need.AckDeadline, CancellationToken.None), DateTimeOffset.UtcNow.AddSeconds(1));
        }

        var alerts = await WaitForAlertsAsync(need.Id, a => a.Any(x => x.RecipientId == second.Id));
        await Task.Delay(500);

        Assert.Equal(
            $"ack:0:L1:sms:{first.Id} ack:0:L1:voice:{first.Id} ack:1:L2:sms:{second.Id}",
            Shape(await AlertsAsync(need.Id)));
        Assert.Equal(1, await OutboundSmsCountAsync(first.Phone!));
        Assert.Equal(1, await OutboundCallCountAsync(first.Phone!));
        Assert.Equal(1, await OutboundSmsCountAsync(second.Phone!));
        Assert.Equal(2, alerts.Select(a => a.Step).Distinct().Count());
        // And on the phones themselves: one SMS and one call for level 1, one SMS for level 2.
        await SmsReceivedAsync(second.Phone!);
        await CallsReceivedAsync(first.Phone!);
        Assert.Single(Phones.MessagesTo(first.Phone!));
        Assert.Single(Phones.CallsOf(first.Phone!));
        Assert.Single(Phones.MessagesTo(second.Phone!));
    }

    [Fact]
    public async Task An_escalation_job_that_runs_ahead_of_the_deadline_leaves_it_to_a_timer_that_alerts_on_time()
    {
        var first = await AddStaffAsync("first", level: 1);
        var need = await UrgentNeedAsync(TimeSpan.FromSeconds(2.5), watch: false);

        // As a job scheduled ahead of the deadline fires: early, on the app's Hangfire server.
        Service<IBackgroundJobClient>().Enqueue<EscalationJob>(job => job.RunAsync(need.Id, need.AckDeadline, CancellationToken.None));
        await Task.Delay(1000);
        Assert.Empty(await AlertsAsync(need.Id));
        var alerts = await WaitForAlertsAsync(need.Id, a => a.Count > 0);

        Assert.Equal(first.Id, alerts[0].RecipientId);
        Assert.InRange((alerts[0].CreatedAt - need.AckDeadline).TotalSeconds, -0.01, 0.9);
    }

    [Fact]
    public async Task The_sweep_looks_ahead_and_arms_a_timer_so_a_need_nobody_scheduled_is_still_alerted_on_time()
    {
        var first = await AddStaffAsync("first", level: 1);
        // No job, no timer: only the need's row says when it is due.
        var need = await UrgentNeedAsync(TimeSpan.FromSeconds(2), watch: false);

        var alerts = await WaitForAlertsAsync(need.Id, a => a.Count > 0);

        Assert.Equal(first.Id, alerts[0].RecipientId);
        Assert.InRange((alerts[0].CreatedAt - need.AckDeadline).TotalSeconds, -0.01, 0.9);
    }

    [Fact]
    public async Task The_sweep_and_the_scheduled_check_together_still_alert_once()
    {
        var first = await AddStaffAsync("first", level: 1);
        var need = await UrgentNeedAsync(TimeSpan.FromSeconds(-2));
        var sweeper = Service<EscalationSweeper>();

        await Task.WhenAll(
            Task.Run(() => sweeper.SweepAsync(CancellationToken.None)),
            Task.Run(() => Service<EscalationScheduler>().RunAsync(need.Id, skipLocked: false, CancellationToken.None)),
            Task.Run(() => sweeper.SweepAsync(CancellationToken.None)));
        await Task.Delay(300);

        Assert.Equal($"ack:0:L1:sms:{first.Id}", Shape(await AlertsAsync(need.Id)));
        Assert.Equal(1, await OutboundSmsCountAsync(first.Phone!));
    }
}
