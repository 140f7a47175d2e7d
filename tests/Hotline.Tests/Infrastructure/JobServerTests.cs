using System.Collections.Concurrent;
using System.Net;
using Hangfire;
using Hotline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Tests.Infrastructure;

public sealed class JobServerTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    public static readonly ConcurrentDictionary<string, DateTimeOffset> Fired = new();

    // Run by the app's own Hangfire server on PostgreSQL.
    public sealed class StampJob
    {
        public void Run(string key) => Fired[key] = DateTimeOffset.UtcNow;
    }

    [Fact]
    public async Task A_scheduled_job_starts_within_two_seconds_of_its_due_time()
    {
        var jobs = Fixture.Factory.Services.GetRequiredService<IBackgroundJobClient>();
        var due = new Dictionary<string, DateTimeOffset>();
        for (var i = 0; i < 5; i++)
        {
            var key = Guid.NewGuid().ToString("N");
            due[key] = DateTimeOffset.UtcNow.AddSeconds(2 + i * 0.4);
            jobs.Schedule<StampJob>(job => job.Run(key), due[key]);
        }

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (due.Keys.Any(k => !Fired.ContainsKey(k)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        foreach (var (key, at) in due)
        {
            Assert.True(Fired.TryGetValue(key, out var fired), "the job never ran");
            Assert.InRange((fired - at).TotalSeconds, -1.5, 2.0);
        }
    }

    // What a connection cut while the scheduler held its lock leaves behind: the lock's row, whose release never
    // reached the database. Past Jobs:DistributedLockSeconds (60) it is taken for dead; with Hangfire.PostgreSql's
    // default (10 minutes) this job would wait nine more minutes.
    [Fact]
    public async Task A_scheduler_lock_left_behind_a_minute_ago_does_not_hold_up_scheduled_jobs()
    {
        await ExecuteAsync(
            """
            INSERT INTO hangfire.lock (resource, updatecount, acquired)
            VALUES ('hangfire:locks:schedulepoller', 0, now() - interval '61 seconds')
            ON CONFLICT (resource) DO UPDATE SET acquired = excluded.acquired
            """);
        var key = Guid.NewGuid().ToString("N");

        Fixture.Factory.Services.GetRequiredService<IBackgroundJobClient>().Schedule<StampJob>(job => job.Run(key), TimeSpan.FromSeconds(1));

        Assert.True(await Eventually.WaitForAsync(() => Task.FromResult(Fired.ContainsKey(key)), fired => fired, seconds: 10),
            "the scheduled job did not run: the lock left behind still held up the scheduler");
    }

    [Fact]
    public async Task Readiness_reports_the_database_migrations_and_job_server()
    {
        var response = await Fixture.Factory.CreateClient().GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"jobServer\":true", await response.Content.ReadAsStringAsync());
    }

    // A database outage fails a heartbeat or two (one every 30 s); the server is still running and is not ready only
    // once Hangfire would count it dead (5 min).
    [Theory]
    [InlineData(2, HttpStatusCode.OK, "\"jobServer\":true")]
    [InlineData(6, HttpStatusCode.ServiceUnavailable, "job server not running")]
    public async Task Readiness_counts_the_job_server_live_until_hangfire_would_count_it_dead(int minutesSinceHeartbeat, HttpStatusCode expected, string says)
    {
        const string ours = "id LIKE '%:' || @Pid || ':%'";
        try
        {
            Assert.True(await ScalarAsync<long>(
                $"WITH aged AS (UPDATE hangfire.server SET lastheartbeat = now() - make_interval(mins => @Minutes) WHERE {ours} RETURNING 1) SELECT count(*) FROM aged",
                new { Minutes = minutesSinceHeartbeat, Pid = Environment.ProcessId.ToString() }) > 0);

            var response = await Fixture.Factory.CreateClient().GetAsync("/readyz");

            Assert.Equal(expected, response.StatusCode);
            Assert.Contains(says, await response.Content.ReadAsStringAsync());
        }
        finally
        {
            // Before Hangfire's watchdog (every 5 min) finds the row and restarts the server.
            await ExecuteAsync($"UPDATE hangfire.server SET lastheartbeat = now() WHERE {ours}", new { Pid = Environment.ProcessId.ToString() });
        }
    }

    [Fact]
    public async Task An_instance_that_runs_no_job_server_is_ready_without_one()
    {
        await using var other = SecondInstance.Start(Fixture);

        var response = await other.Factory.CreateClient().GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"jobServer\":null", await response.Content.ReadAsStringAsync());
    }
}
