using System.Globalization;
using Dapper;
using Hotline.Escalations;
using Hotline.Needs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Hotline.Benchmarks.Escalations;

// Escalation lateness: schedules urgent needs at known acknowledgement deadlines, lets the app's real scheduling
// (Hangfire on PostgreSQL, the in-process timer, the sweep) escalate them, and times each level-1 SMS as it reaches
// a local Twilio stand-in. Lateness = arrival at "Twilio" minus the deadline.
//
//   dotnet run -c Release --project tests/Hotline.Benchmarks.Escalations -- \
//       --postgres "Host=127.0.0.1;Port=55999;Username=postgres;Database=postgres" --count 1000,10000 --rates 100,all
//   (or ops/bench-escalations.sh, which brings its own throwaway PostgreSQL)
public static class Bench
{
    public static async Task<int> Main(string[] args)
    {
        var postgres = Arg(args, "--postgres") ?? Environment.GetEnvironmentVariable("HOTLINE_TEST_POSTGRES")
            ?? throw new ArgumentException("--postgres <admin connection string> (or HOTLINE_TEST_POSTGRES) is required.");
        // "--count 1000,10000" runs every rate with 1,000 deadlines, then with 10,000.
        var counts = (Arg(args, "--count") ?? "1000").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        // "all" puts every deadline in the same instant.
        var rates = (Arg(args, "--rates") ?? "20,50,100,200,all").Replace("all", "1000000").Split(',').Select(r => double.Parse(r, CultureInfo.InvariantCulture)).ToArray();
        // Watching a need is a Hangfire job written ahead of its deadline; 10,000 of them take a while to write on a
        // loaded machine (16 ms each on a busy 2-core one), so by default the first deadline is 30 s away plus 20 ms per need.
        var startIn = Arg(args, "--start-in") is { } fixedStart ? double.Parse(fixedStart, CultureInfo.InvariantCulture) : (double?)null;
        var warmup = int.Parse(Arg(args, "--warmup") ?? "100", CultureInfo.InvariantCulture);

        // The app's appsettings.json (prompts, categories) is copied beside this program; run the app from here.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_HOTLINE", AppContext.BaseDirectory);
        var database = $"hotline_bench_esc_{Guid.NewGuid():N}"[..28];
        var connectionString = new NpgsqlConnectionStringBuilder(postgres) { Database = database }.ConnectionString;
        await using var fake = await FakeTwilio.StartAsync();
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            foreach (var (key, value) in Settings(connectionString, fake.BaseUrl))
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

            _ = factory.Server; // starts the app: migrations, Hangfire server, sweep
            await using var db = NpgsqlDataSource.Create(connectionString);
            await SeedSupervisorAsync(db);
            Console.WriteLine($"# Escalation lateness: {string.Join(" and ", counts)} deadlines per run, {Environment.ProcessorCount} cores, " +
                $"PostgreSQL {await db.CreateCommand("SHOW server_version").ExecuteScalarAsync()}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
            Console.WriteLine();
            Console.WriteLine($"Warm-up round of {warmup} not shown. Lateness = deadline to the SMS reaching the Twilio stand-in; alert written = deadline to the escalation row's commit time.");
            Console.WriteLine();
            Console.WriteLine("| deadlines | deadlines/s | SMS at gateway | p50 | p90 | p99 | max | alert written p50 / p99 / max | scheduling them |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
            // A first small round warms the app (JIT, connection pools, the Twilio client) and is not reported:
            // a running hotline is warm when a deadline comes.
            if (warmup > 0)
            {
                await RunAsync(factory, db, fake, warmup, 20, 10);
                await db.CreateCommand("UPDATE needs SET status = 'cancelled', escalation_due_at = NULL WHERE status = 'open'").ExecuteNonQueryAsync();
            }

            foreach (var (count, rate) in counts.SelectMany(c => rates.Select(r => (c, r))))
            {
                var run = await RunAsync(factory, db, fake, count, rate, startIn ?? 30 + count * 0.02);
                Console.WriteLine(run);
                await db.CreateCommand("UPDATE needs SET status = 'cancelled', escalation_due_at = NULL WHERE status = 'open'").ExecuteNonQueryAsync();
            }

            return 0;
        }
        finally
        {
            try
            {
                await factory.DisposeAsync();
            }
            catch (OperationCanceledException)
            {
                // A run that left alerts unsent leaves workers busy; the host stops waiting for them. The figures stand.
                Console.Error.WriteLine("note: the Hangfire server did not stop within the host's shutdown timeout (jobs still running)");
            }

            NpgsqlConnection.ClearAllPools();
            await using var drop = new NpgsqlConnection(postgres);
            await drop.ExecuteAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    static IEnumerable<(string, string)> Settings(string connectionString, string twilio) =>
    [
        ("ConnectionStrings:Hotline", connectionString),
        ("Twilio:AuthToken", "bench-auth-token"),
        ("Twilio:AccountSid", "ACbench"),
        ("Twilio:PhoneNumber", "+15005550006"),
        ("Twilio:PublicBaseUrl", "http://127.0.0.1:9"),
        ("Twilio:ApiBaseUrl", twilio),
        // Only the first SMS of each ladder is measured; nothing else should go out during the run.
        ("Escalation:VoiceAfterSeconds", "3000"),
        ("Escalation:LevelIntervalSeconds", "3600"),
        ("Logging:LogLevel:Default", "Warning"),
        ("Logging:LogLevel:Hotline.Escalations", "Error"),
    ];

    static async Task SeedSupervisorAsync(NpgsqlDataSource db)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO staff (username, display_name, role, phone, password_hash, language, on_duty, escalation_level)
            VALUES ('bench-supervisor', 'Bench Supervisor', 'supervisor', '+15005550001', 'x', 'en-US', true, 1)
            """);
    }

    static async Task<string> RunAsync(WebApplicationFactory<Program> factory, NpgsqlDataSource db, FakeTwilio fake, int count, double rate, double startIn)
    {
        var scheduler = (EscalationScheduler)factory.Services.GetService(typeof(EscalationScheduler))!;
        var first = DateTime.UtcNow.AddSeconds(startIn);
        var deadlines = Enumerable.Range(0, count).Select(i => first.AddSeconds(i / rate)).ToArray();

        // The needs are written as NeedStore writes an urgent need, then watched as it watches one.
        await using var conn = await db.OpenConnectionAsync();
        var sequence = (await conn.QueryAsync<long>("SELECT nextval('need_reference_seq') FROM generate_series(1, @count)", new { count })).ToArray();
        var references = sequence.Select(ReferenceCode.FromSequence).ToArray();
        var needs = (await conn.QueryAsync<(long Id, string Reference, DateTime AckDeadline)>(
            """
            INSERT INTO needs (reference, phone, source, category, urgency, ack_deadline, fulfil_deadline, created_at, updated_at)
            SELECT r, '+8613800000000', 'call', 'urgent_medical', 'urgent', d, d + interval '3 hours', now(), now()
            FROM unnest(@references, @deadlines) AS t(r, d)
            RETURNING id, reference, ack_deadline
            """,
            new { references, deadlines })).ToList();
        var scheduling = System.Diagnostics.Stopwatch.StartNew();
        foreach (var need in needs)
        {
            scheduler.Watch(need.Id, need.AckDeadline);
        }

        scheduling.Stop();
        if (DateTime.UtcNow > first)
        {
            Console.Error.WriteLine($"warning: scheduling took {scheduling.Elapsed.TotalSeconds:F1}s, past the first deadline; raise --start-in");
        }

        // Ten thousand alerts due at once take a while to send: wait at least a minute, longer for more of them.
        var giveUp = deadlines[^1].AddSeconds(Math.Max(60, count / 50.0));
        var ours = references.ToHashSet();
        while (fake.SmsArrivals.Keys.Count(ours.Contains) < count && DateTime.UtcNow < giveUp)
        {
            await Task.Delay(500);
        }

        var byReference = needs.ToDictionary(n => n.Reference, n => n.AckDeadline);
        var gateway = byReference.Where(n => fake.SmsArrivals.ContainsKey(n.Key))
            .Select(n => (fake.SmsArrivals[n.Key] - n.Value).TotalMilliseconds).Order().ToArray();
        var written = (await conn.QueryAsync<double>(
            """
            SELECT extract(epoch FROM e.created_at - n.ack_deadline) * 1000
            FROM escalations e JOIN needs n ON n.id = e.need_id
            WHERE n.id = ANY(@ids) AND e.step = 0 AND e.channel = 'sms'
            """,
            new { ids = needs.Select(n => n.Id).ToArray() })).Order().ToArray();
        var duplicates = await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) - count(DISTINCT need_id) FROM messages WHERE need_id = ANY(@ids)", new { ids = needs.Select(n => n.Id).ToArray() });

        if (Environment.GetEnvironmentVariable("BENCH_DIAGNOSE") == "1")
        {
            var stages = await conn.QueryAsync<(string Name, double P50, double P99, long N)>(
                """
                WITH s AS (
                    SELECT s.name, s.createdat, (SELECT (data->>'EnqueueAt') FROM hangfire.state x WHERE x.jobid = s.jobid AND x.name = 'Scheduled' LIMIT 1) AS enqueue_at
                    FROM hangfire.state s JOIN hangfire.job j ON j.id = s.jobid
                    WHERE j.invocationdata::text LIKE '%EscalationJob%' AND j.createdat > now() - interval '5 minutes')
                SELECT name, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), count(*)
                FROM (SELECT name, extract(epoch FROM createdat - to_timestamp(enqueue_at::bigint / 1000.0)) * 1000 AS ms FROM s WHERE enqueue_at IS NOT NULL) t
                GROUP BY name
                """);
            foreach (var stage in stages)
            {
                Console.Error.WriteLine($"  EscalationJob {stage.Name}: {stage.N} after its schedule time p50 {stage.P50:0} ms, p99 {stage.P99:0} ms");
            }
        }

        return $"| {count:N0} | {(rate >= 100_000 ? "all at once" : rate.ToString("0", CultureInfo.InvariantCulture))} | {gateway.Length}/{count}{(duplicates > 0 ? $" ({duplicates} duplicates)" : "")} | " +
            $"{Ms(P(gateway, 0.50))} | {Ms(P(gateway, 0.90))} | {Ms(P(gateway, 0.99))} | {Ms(gateway.LastOrDefault())} | " +
            $"{Ms(P(written, 0.50))} / {Ms(P(written, 0.99))} / {Ms(written.LastOrDefault())} | {scheduling.Elapsed.TotalSeconds:F1} s |";
    }

    static double P(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    static string Ms(double value) => double.IsNaN(value) ? "-" : $"{value:0} ms";

    static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
