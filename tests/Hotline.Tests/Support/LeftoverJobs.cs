using Hangfire;

namespace Hotline.Tests.Support;

// Hangfire jobs an earlier test left behind. Its ids live on in the next test (the tables restart their identities),
// so a callback job left for callback 1 would dial the next test's callback 1.
static class LeftoverJobs
{
    const int All = 100_000;

    // Deletes the jobs still waiting (enqueued, scheduled, or scheduled again for a retry), then waits for the running
    // ones to finish: a call job that claimed its row before the tables were emptied still places its call.
    public static async Task DrainAsync(JobStorage storage, IBackgroundJobClient jobs, CancellationToken ct)
    {
        var monitoring = storage.GetMonitoringApi();
        var waiting = monitoring.ScheduledJobs(0, All).Select(j => j.Key)
            .Concat(monitoring.Queues().SelectMany(q => monitoring.EnqueuedJobs(q.Name, 0, All).Select(j => j.Key)));
        foreach (var id in waiting)
        {
            jobs.Delete(id);
        }

        while (monitoring.ProcessingCount() > 0)
        {
            await Task.Delay(50, ct);
        }
    }
}
