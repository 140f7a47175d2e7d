using System.Diagnostics;
using System.Globalization;
using Dapper;
using Hangfire;
using Hotline.Benchmarks.Escalations;
using Hotline.Callbacks;
using Hotline.Telephony;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Hotline.Benchmarks.Jobs;

// Hangfire throughput for the app's own jobs: the whole app in-process with its real Hangfire server on PostgreSQL
// (HangfireSetup as shipped: 5 workers, 100 ms queue polling, no long polling) and a local Twilio stand-in.
// Enqueues N jobs of a kind as fast as one thread can, and times first enqueue to last success:
//   no-op        an empty job: Hangfire's own cost per job with this storage and configuration
//   SMS pump     not a Hangfire job since the SMS pump: N pending outbound SMS written at once, the pump woken, timed
//                until every one has its sid (claims in batches, POST to "Twilio", record the sid); for comparison
//   callback     CallbackJob (default queue) for N due callbacks in automatic mode: re-read, claim, write the outbound
//                call, its attempt and event, commit; each enqueues a CallDeliveryJob (alerts), counted too
// Statements per job come from pg_stat_statements (the database must have it in shared_preload_libraries;
// ops/bench.sh jobs arranges that).
//
//   dotnet run -c Release --project tests/Hotline.Benchmarks.Jobs -- --postgres "<superuser connection string>"
//       [--jobs 1000] [--workers 20] [--queue-poll-ms 100] [--calls-per-second 1000]
public static class Bench
{
    public static async Task<int> Main(string[] args)
    {
        var postgres = Arg(args, "--postgres") ?? Environment.GetEnvironmentVariable("HOTLINE_TEST_POSTGRES")
            ?? throw new ArgumentException("--postgres <superuser connection string> (or HOTLINE_TEST_POSTGRES) is required.");
        var count = int.Parse(Arg(args, "--jobs") ?? "1000", CultureInfo.InvariantCulture);
        var workers = Arg(args, "--workers");
        var queuePoll = Arg(args, "--queue-poll-ms");
        // The gateway paces outbound calls (Twilio:CallsPerSecond, 1 as shipped, Twilio's default for an account), and a
        // CallDeliveryJob waits for its turn on a worker: at 1/s the callback run measures that pacing, not Hangfire.
        var callsPerSecond = Arg(args, "--calls-per-second") ?? "1000";

        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_HOTLINE", AppContext.BaseDirectory);
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        var database = $"hotline_bench_jobs_{Guid.NewGuid():N}"[..28];
        var connectionString = new NpgsqlConnectionStringBuilder(postgres) { Database = database }.ConnectionString;
        await using var fake = await FakeTwilio.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Hotline"] = connectionString,
            ["Twilio:AuthToken"] = "bench-auth-token",
            ["Twilio:AccountSid"] = "ACbench",
            ["Twilio:PhoneNumber"] = "+15005550006",
            ["Twilio:PublicBaseUrl"] = "http://127.0.0.1:9",
            ["Twilio:ApiBaseUrl"] = fake.BaseUrl,
            ["Twilio:CallsPerSecond"] = callsPerSecond,
            ["Callbacks:Mode"] = "Automatic",
            // The sweep would hand the same callbacks on again; the benchmark enqueues every job itself.
            ["Callbacks:SweepSeconds"] = "300",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Hotline"] = "Error",
        };
        if (workers is not null)
        {
            settings["Jobs:WorkerCount"] = workers;
        }

        if (queuePoll is not null)
        {
            settings["Jobs:QueuePollMilliseconds"] = queuePoll;
        }

        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            foreach (var (key, value) in settings)
            {
                host.UseSetting(key, value);
            }
        });
        try
        {
            await using (var create = new NpgsqlConnection(postgres))
            {
                await create.ExecuteAsync($"CREATE DATABASE {database}");
            }

            _ = factory.Server; // migrations, Hangfire server, sweeps
            await using var db = NpgsqlDataSource.Create(connectionString);
            var stats = await db.CreateCommand("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'").ExecuteScalarAsync() is long n && n > 0
                || await TryCreateStatsAsync(db);
            var config = factory.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
            Console.WriteLine($"## Hangfire job throughput, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
            Console.WriteLine();
            Console.WriteLine($"- {Environment.ProcessorCount} cores, PostgreSQL {await db.CreateCommand("SHOW server_version").ExecuteScalarAsync()} on the same machine; load average at start {File.ReadAllText("/proc/loadavg")[..14]}.");
            Console.WriteLine($"- The app's Hangfire server: {config["Jobs:WorkerCount"] ?? "5"} workers, queue poll {config["Jobs:QueuePollMilliseconds"] ?? "1000"} ms, " +
                $"schedule poll {config["Jobs:SchedulePollingMilliseconds"] ?? "200"} ms, long polling off; Hangfire.PostgreSql storage on the app's database. Twilio: a local stand-in; the gateway's call pacing set to {callsPerSecond}/s (1 as shipped).");
            Console.WriteLine($"- {count:N0} jobs of each kind, enqueued by 8 threads while the server runs; wall = first enqueue to last success (jobs a job enqueued included); draining = jobs that succeeded after the last enqueue over the time they took. A warm-up round of 100 no-op and 50 of each other kind is not shown.");
            Console.WriteLine();
            Console.WriteLine("| Jobs | jobs run | wall s | jobs/s | draining the backlog, jobs/s | enqueue only, jobs/s | statements per job: Hangfire / app | COMMITs per job | DB exec ms per job |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---|---:|---:|");

            var jobs = factory.Services.GetRequiredService<IBackgroundJobClient>();
            var outbox = factory.Services.GetRequiredService<Outbox>();
            await RunAsync("no-op", 100, db, jobs, stats, _ => Task.FromResult<Func<long, string>>(id => jobs.Enqueue<NoopJob>(j => j.RunAsync(id, CancellationToken.None))), warm: true);
            await PumpAsync(50, db, outbox, stats);
            await RunAsync("callback (CallbackJob + its CallDeliveryJob)", 50, db, jobs, stats, n => CallbacksAsync(db, n), warm: true);

            Console.WriteLine(await RunAsync("no-op", count, db, jobs, stats, _ => Task.FromResult<Func<long, string>>(id => jobs.Enqueue<NoopJob>(j => j.RunAsync(id, CancellationToken.None)))));
            Console.WriteLine(await PumpAsync(count, db, outbox, stats));
            Console.WriteLine(await RunAsync("callback (CallbackJob + its CallDeliveryJob)", count, db, jobs, stats, n => CallbacksAsync(db, n)));
            Console.WriteLine();
            Console.WriteLine($"SMS at the stand-in: {fake.Sms}; calls at the stand-in: {fake.Calls}.");
            if (stats)
            {
                Console.WriteLine();
                Console.WriteLine(lastTop);
            }

            return 0;

            async Task<Func<long, string>> CallbacksAsync(NpgsqlDataSource source, int n)
            {
                await using var conn = await source.OpenConnectionAsync();
                // Closed first, so that every phone number is free for a new open callback.
                await conn.ExecuteAsync("UPDATE callbacks SET status = 'cancelled', closed_at = now() WHERE status IN ('pending', 'dialing')");
                var ids = (await conn.QueryAsync<long>(
                    """
                    INSERT INTO callbacks (phone, source, urgency, place_at, due_at, created_at, updated_at)
                    SELECT '+86139' || lpad(i::text, 8, '0'), 'voicemail', 'normal',
                           now() - interval '1 minute', now() - interval '1 minute', now(), now()
                    FROM generate_series(1, @n) i
                    RETURNING id
                    """, new { n })).ToArray();
                return i =>
                {
                    var id = ids[i];
                    return jobs.Enqueue<CallbackJob>(j => j.RunAsync(id, CancellationToken.None));
                };
            }
        }
        finally
        {
            await factory.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await using var drop = new NpgsqlConnection(postgres);
            await drop.ExecuteAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    static string lastTop = "";

    // The benchmark's own statements (its progress polls, the SMS run's rows and its count of them), left out of the counts.
    const string Ours = "query LIKE '%FROM hangfire.%' OR query LIKE 'SELECT pg_stat_statements_reset%' " +
        "OR query LIKE 'INSERT INTO messages%generate_series%' OR query LIKE 'SELECT count(*) FROM messages%'";

    // Statements since the last reset: Hangfire's, the app's (transaction control left out), COMMITs, execution time.
    static Task<(long Hangfire, long App, long Commits, double Exec)> StatementTotalsAsync(NpgsqlConnection conn) =>
        conn.QuerySingleAsync<(long, long, long, double)>(
            $"""
            SELECT coalesce(sum(calls) FILTER (WHERE query LIKE '%"hangfire".%'), 0)::bigint,
                   coalesce(sum(calls) FILTER (WHERE query NOT LIKE '%"hangfire".%' AND query !~* '^(BEGIN|COMMIT|ROLLBACK|DISCARD)'), 0)::bigint,
                   coalesce(sum(calls) FILTER (WHERE query ~* '^COMMIT'), 0)::bigint,
                   coalesce(sum(total_exec_time), 0)
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND NOT ({Ours})
            """);

    static async Task<bool> TryCreateStatsAsync(NpgsqlDataSource db)
    {
        try
        {
            await db.CreateCommand("CREATE EXTENSION pg_stat_statements").ExecuteNonQueryAsync();
            await db.CreateCommand("SELECT count(*) FROM pg_stat_statements").ExecuteScalarAsync();
            return true;
        }
        catch (PostgresException e)
        {
            Console.Error.WriteLine($"[jobs] no statement counts: {e.MessageText} (load pg_stat_statements, as ops/bench.sh jobs does)");
            return false;
        }
    }

    static async Task<string> RunAsync(string kind, int count, NpgsqlDataSource db, IBackgroundJobClient jobs, bool stats,
        Func<int, Task<Func<long, string>>> prepare, bool warm = false)
    {
        var enqueue = await prepare(count);
        await using var conn = await db.OpenConnectionAsync();
        var before = await conn.ExecuteScalarAsync<long>("SELECT coalesce(max(id), 0) FROM hangfire.job");
        if (stats)
        {
            await conn.ExecuteAsync("SELECT pg_stat_statements_reset()");
        }

        // Eight threads enqueue, as several webhook handlers would: one thread alone is slower than the workers.
        var wall = Stopwatch.StartNew();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, (i, _) =>
        {
            enqueue(i);
            return ValueTask.CompletedTask;
        });
        var enqueued = wall.Elapsed;
        var doneAtEnqueued = await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM hangfire.job WHERE id > @before AND statename = 'Succeeded'", new { before });
        // Done when every job since the first enqueue has succeeded, including jobs those jobs enqueued.
        long done, total;
        var giveUp = DateTime.UtcNow.AddMinutes(10);
        do
        {
            await Task.Delay(50);
            (done, total) = await conn.QuerySingleAsync<(long, long)>(
                "SELECT count(*) FILTER (WHERE statename = 'Succeeded'), count(*) FROM hangfire.job WHERE id > @before", new { before });
        }
        while ((done < total || total < count) && DateTime.UtcNow < giveUp);

        var elapsed = (await conn.ExecuteScalarAsync<DateTime>(
            "SELECT max(s.createdat) FROM hangfire.state s WHERE s.jobid > @before AND s.name = 'Succeeded'", new { before })) -
            await conn.ExecuteScalarAsync<DateTime>("SELECT min(createdat) FROM hangfire.job WHERE id > @before", new { before });
        if (warm)
        {
            return "";
        }

        // Where the time went, per job type: how many, how many failed on the way, when the last one succeeded.
        var byType = await conn.QueryAsync<(string Type, long Jobs, long Failed, double LastSeconds)>(
            """
            SELECT j.invocationdata::jsonb->>'Type', count(DISTINCT j.id),
                   count(*) FILTER (WHERE s.name = 'Failed'),
                   extract(epoch FROM max(s.createdat) FILTER (WHERE s.name = 'Succeeded') - (SELECT min(createdat) FROM hangfire.job WHERE id > @before))
            FROM hangfire.job j JOIN hangfire.state s ON s.jobid = j.id
            WHERE j.id > @before GROUP BY 1
            """, new { before });
        foreach (var t in byType)
        {
            Console.Error.WriteLine($"[jobs] {kind}: {t.Jobs} x {t.Type?.Split(',')[0]}, {t.Failed} failed attempts, last success after {t.LastSeconds:F1} s");
        }

        // With a backlog left when enqueueing ended, the rate at which the workers drained it.
        var drain = (elapsed - enqueued).TotalSeconds > 0.5 && done - doneAtEnqueued > 0
            ? $"{(done - doneAtEnqueued) / (elapsed - enqueued).TotalSeconds:F0}"
            : "-";

        var statements = "-";
        var trips = "-";
        var exec = "-";
        if (stats)
        {
            var s = await StatementTotalsAsync(conn);
            statements = $"{(double)s.Hangfire / total:F1} / {(double)s.App / total:F1}";
            trips = $"{(double)s.Commits / total:F1}";
            exec = $"{s.Exec / total:F2}";
            var top = await conn.QueryAsync<(long Calls, double Mean, string Query)>(
                $"""
                SELECT calls, mean_exec_time, regexp_replace(left(query, 110), '\s+', ' ', 'g')
                FROM pg_stat_statements
                WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND NOT ({Ours})
                ORDER BY calls DESC LIMIT 14
                """);
            lastTop = $"Statements behind the last run ({kind}, {total:N0} jobs), most frequent first:\n\n| per job | mean ms | statement |\n|---:|---:|---|\n" +
                string.Join("\n", top.Select(t => $"| {(double)t.Calls / total:F2} | {t.Mean:F3} | `{t.Query.Replace("|", "\\|")}` |"));
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"| {kind} | {done:N0} of {total:N0} | {elapsed.TotalSeconds:F1} | {done / elapsed.TotalSeconds:F0} | {drain} | {count / enqueued.TotalSeconds:F0} | {statements} | {trips} | {exec} |");
    }

    // Outbound SMS as the app sends them now: no job, the pump claims pending rows in batches (Telephony/SmsPump).
    static async Task<string> PumpAsync(int count, NpgsqlDataSource db, Outbox outbox, bool stats)
    {
        await using var conn = await db.OpenConnectionAsync();
        if (stats)
        {
            await conn.ExecuteAsync("SELECT pg_stat_statements_reset()");
        }

        var wall = Stopwatch.StartNew();
        await conn.ExecuteAsync(
            """
            INSERT INTO messages (direction, dedupe_key, from_phone, to_phone, body, purpose, status, created_at, updated_at)
            SELECT 'outbound', 'bench:' || gen_random_uuid(), '+15005550006', '+8613800000000', 'Urgent need waiting: bench',
                   'escalation', 'pending', now(), now()
            FROM generate_series(1, @count)
            """, new { count });
        outbox.DispatchSms();
        long unsent;
        var giveUp = DateTime.UtcNow.AddMinutes(10);
        do
        {
            await Task.Delay(20);
            unsent = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM messages WHERE message_sid IS NULL");
        }
        while (unsent > 0 && DateTime.UtcNow < giveUp);

        var elapsed = wall.Elapsed;
        var statements = "-";
        var commits = "-";
        var exec = "-";
        if (stats)
        {
            var s = await StatementTotalsAsync(conn);
            statements = string.Create(CultureInfo.InvariantCulture, $"{(double)s.Hangfire / count:F1} / {(double)s.App / count:F2}");
            commits = string.Create(CultureInfo.InvariantCulture, $"{(double)s.Commits / count:F1}");
            exec = string.Create(CultureInfo.InvariantCulture, $"{s.Exec / count:F2}");
        }

        var sent = count - unsent;
        return string.Create(CultureInfo.InvariantCulture,
            $"| alert SMS (SMS pump, no job) | {sent:N0} of {count:N0} | {elapsed.TotalSeconds:F1} | {sent / elapsed.TotalSeconds:F0} | - | - | {statements} | {commits} | {exec} |");
    }

    static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

// Hangfire's own cost per job: nothing to do.
public sealed class NoopJob
{
    public Task RunAsync(long id, CancellationToken ct) => Task.CompletedTask;
}
