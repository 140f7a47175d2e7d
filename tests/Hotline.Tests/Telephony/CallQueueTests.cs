using Hangfire;
using Hotline.Telephony;
using Hotline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Tests.Telephony;

// A call job waits for its turn at Twilio's calls-per-second inside its worker. If call jobs shared workers with the
// alert jobs (escalation checks; SMS before the SMS pump), a burst of callbacks would hold every worker and an urgent
// alert would wait behind it.
public sealed class CallQueueTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    [Fact]
    public async Task Outbound_calls_are_worked_by_their_own_server_apart_from_alert_sms()
    {
        var storage = Fixture.Factory.Services.GetRequiredService<JobStorage>();
        var jobs = Fixture.Factory.Services.GetRequiredService<IBackgroundJobClient>();

        var callJob = jobs.Enqueue<CallDeliveryJob>(job => job.RunAsync(0, CancellationToken.None));
        var smsJob = jobs.Enqueue<SmsDeliveryJob>(job => job.RunAsync(0, CancellationToken.None));

        Assert.Equal("calls", await EnqueuedQueueAsync(storage, callJob));
        Assert.Equal("alerts", await EnqueuedQueueAsync(storage, smsJob));
        var servers = storage.GetMonitoringApi().Servers();
        Assert.Contains(servers, s => s.Queues.SequenceEqual(["calls"]));
        Assert.Contains(servers, s => s.Queues.Contains("alerts") && !s.Queues.Contains("calls"));
    }

    static async Task<string?> EnqueuedQueueAsync(JobStorage storage, string jobId) =>
        (await Eventually.WaitForAsync(
            () => Task.FromResult(storage.GetMonitoringApi().JobDetails(jobId).History.FirstOrDefault(h => h.StateName == "Enqueued")),
            h => h is not null))!.Data["Queue"];
}
