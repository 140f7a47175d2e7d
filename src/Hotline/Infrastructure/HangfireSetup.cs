using System.ComponentModel.DataAnnotations;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace Hotline.Infrastructure;

public sealed class JobOptions
{
    // Hangfire's defaults poll every 15 s, so a due escalation would wait up to 15 s. Scheduled jobs are due by
    // whole seconds; polling well inside a second keeps the start within about a second of the deadline.
    [Range(50, 15000)]
    public int SchedulePollingMilliseconds { get; set; } = 200;

    // A job enqueued in this process wakes a waiting worker at its commit (Hangfire.PostgreSql signals its own workers),
    // and a scheduled job is enqueued here by the scheduler: the poll only finds jobs other instances enqueued. At
    // 100 ms the nine idle workers made 90 of an idle app's 140 commits a second, and jobs ran slower, not faster
    // (docs/benchmarks.md, Hangfire section).
    [Range(50, 15000)]
    public int QueuePollMilliseconds { get; set; } = 1000;

    // A job whose worker died is picked up again after this long (kept alive while it runs by the sliding timeout).
    [Range(30, 3600)]
    public int InvisibilitySeconds { get; set; } = 300;

    // Escalation checks, callbacks and the daily jobs (SMS go through the SMS pump). Five workers drained a backlog as
    // fast as twenty on two cores, and each idle worker polls the queue (docs/benchmarks.md).
    [Range(1, 100)]
    public int WorkerCount { get; set; } = 5;

    // Workers of the separate server for outbound calls. A call job waits its turn at Twilio:CallsPerSecond inside
    // the worker, so a burst of callbacks would otherwise hold every worker and hold up alert SMS behind it.
    [Range(1, 50)]
    public int CallWorkerCount { get; set; } = 4;

    // A Hangfire lock whose holder's connection broke before it let go (a failover, a network cut) is taken for dead
    // once it is this old. Hangfire.PostgreSql's default is 10 minutes, and the scheduler takes such a lock for every
    // poll: a cut at the wrong moment held up every scheduled job for 10 minutes (found by a test that ran after the
    // outage tests). The other locks are held for one run of the wellness round or the daily report, jobs that are
    // safe to run twice, so taking a slow run's lock for dead costs little.
    [Range(10, 600)]
    public int DistributedLockSeconds { get; set; } = 60;

    public bool RunServer { get; set; } = true;
}

public static class HangfireSetup
{
    public static readonly string[] Queues = ["alerts", "default"];

    // Outbound calls only, served by their own workers (JobOptions.CallWorkerCount).
    public const string CallQueue = "calls";

    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Jobs").Get<JobOptions>() ?? new JobOptions();
        // Hangfire's pool is its own, so its polling never waits for a webhook's connection or the other way round,
        // but it is built like the app's: its statements prepared, its connections not reset on every checkout.
        var connections = new HangfireConnections(DatabaseSetup.CreateDataSource(DatabaseSetup.ConnectionString(builder.Configuration), "hangfire"));
        builder.Services.AddSingleton(_ => connections);
        builder.Services.AddHangfire(config => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(
                storage => storage.UseConnectionFactory(connections),
                new PostgreSqlStorageOptions
                {
                    SchemaName = "hangfire",
                    PrepareSchemaIfNecessary = true,
                    QueuePollInterval = TimeSpan.FromMilliseconds(options.QueuePollMilliseconds),
                    InvisibilityTimeout = TimeSpan.FromSeconds(options.InvisibilitySeconds),
                    DistributedLockTimeout = TimeSpan.FromSeconds(options.DistributedLockSeconds),
                    UseSlidingInvisibilityTimeout = true,
                    // Long polling stranded about one job in 4,000 on this stack (see docs/benchmarks.md).
                    EnableLongPolling = false,
                }));

        if (options.RunServer)
        {
            builder.Services.AddHangfireServer(server =>
            {
                server.SchedulePollingInterval = TimeSpan.FromMilliseconds(options.SchedulePollingMilliseconds);
                server.WorkerCount = options.WorkerCount;
                server.Queues = Queues;
            });
            // Workers only: the first server's schedulers already move due jobs of every queue, and its storage
            // processes keep alive the jobs both servers fetched (one heartbeat per storage). Run twice, they polled
            // twice as often and queued on each other's locks in Hangfire's lock table.
            builder.Services.AddHangfireServer(server =>
            {
                server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:calls";
                server.IsLightweightServer = true;
                server.WorkerCount = options.CallWorkerCount;
                server.Queues = [CallQueue];
            });
        }

        return builder;
    }
}

// Hangfire opens and closes the connections it is given; disposing the data source at shutdown closes the pool.
public sealed class HangfireConnections(NpgsqlDataSource dataSource) : IConnectionFactory, IAsyncDisposable
{
    public NpgsqlConnection GetOrCreateConnection() => dataSource.CreateConnection();

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
