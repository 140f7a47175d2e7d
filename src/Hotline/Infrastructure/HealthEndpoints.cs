using Dapper;
using Hangfire;
using Hotline.Resilience;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Infrastructure;

public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" }));
        app.MapGet("/readyz", Ready);
        return app;
    }

    // Degraded: webhooks are being (or were recently) answered without the database; JournalDepth of them wait to be
    // replayed into it.
    // JobServer is null on an instance configured to run no job server (Jobs:RunServer false).
    public sealed record Readiness(bool Ready, bool Database, bool MigrationsApplied, bool? JobServer, bool Degraded, int JournalDepth, string? Problem);

    static async Task<IResult> Ready(
        NpgsqlDataSource db, JobStorage storage, IOptions<JobOptions> jobs, WebhookJournal journal, DatabaseHealth health, CancellationToken ct)
    {
        var depth = journal.Depth;
        var readiness = await CheckAsync(db, storage, jobs.Value.RunServer, ct) with { Degraded = depth > 0 || health.FailedRecently, JournalDepth = depth };
        return readiness.Ready ? TypedResults.Ok(readiness) : TypedResults.Json(readiness, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    static async Task<Readiness> CheckAsync(NpgsqlDataSource db, JobStorage storage, bool runsJobServer, CancellationToken ct)
    {
        int applied;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var conn = await db.OpenConnectionAsync(timeout.Token);
            applied = await conn.ExecuteScalarAsync<int>(new CommandDefinition("SELECT count(*) FROM schemaversions", cancellationToken: timeout.Token));
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return new Readiness(false, false, false, runsJobServer ? false : null, true, 0, $"database unreachable: {e.Message}");
        }

        var migrated = applied >= Migrator.EmbeddedScriptCount();
        bool? jobServer = runsJobServer ? RunsHere(storage) : null;
        var problem = !migrated ? "migrations not applied" : jobServer == false ? "job server not running" : null;
        return new Readiness(problem is null, true, migrated, jobServer, false, 0, problem);
    }

    // Hangfire's default (5 min), which the app's servers keep.
    static readonly TimeSpan ServerTimeout = new BackgroundJobServerOptions().ServerTimeout;

    // Hangfire names its servers "machine:pid:guid"; ours must be among the live ones. Live as Hangfire itself counts
    // it: a heartbeat (every 30 s) within the server timeout, after which the other servers declare it dead. A shorter
    // limit reported a healthy server as stopped after one heartbeat failed in a database outage, until the next.
    static bool RunsHere(JobStorage storage)
    {
        var marker = $":{Environment.ProcessId}:";
        return storage.GetMonitoringApi().Servers()
            .Any(s => s.Name.Contains(marker, StringComparison.Ordinal) && s.Heartbeat > DateTime.UtcNow - ServerTimeout);
    }
}
