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

    [Fact]
    public async Task Readiness_reports_the_database_migrations_and_job_server()
    {
        var response = await Fixture.Factory.CreateClient().GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"jobServer\":true", await response.Content.ReadAsStringAsync());
    }
}
