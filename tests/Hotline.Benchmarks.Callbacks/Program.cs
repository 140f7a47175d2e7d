using System.Diagnostics;
using Dapper;
using Hotline.Callbacks;
using Hotline.Infrastructure;
using Npgsql;

// With 10,000 open callbacks: how long picking the next due one and merging a duplicate request take.
// Usage: dotnet run -c Release --project tests/Hotline.Benchmarks.Callbacks -- "Host=127.0.0.1;Port=55999;Username=postgres" [iterations] [open callbacks]
// Creates a throwaway database next to the one named in the connection string and drops it afterwards.
var admin = args.FirstOrDefault() ?? Environment.GetEnvironmentVariable("HOTLINE_TEST_POSTGRES")
    ?? throw new InvalidOperationException("Give a PostgreSQL connection string (or set HOTLINE_TEST_POSTGRES).");
var iterations = args.Length > 1 ? int.Parse(args[1]) : 2000;
var Open = args.Length > 2 ? int.Parse(args[2]) : 10_000;

DefaultTypeMap.MatchNamesWithUnderscores = true;
var database = $"hotline_bench_cb_{Guid.NewGuid():N}"[..28];
var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
Migrator.Run(connectionString);
var store = new CallbackStore();
await using var db = NpgsqlDataSource.Create(connectionString);
try
{
    await using var conn = await db.OpenConnectionAsync();
    // A realistic mix: urgencies 1:1:3, places spread over the last 10,000 minutes, half of them in a retry back-off.
    await conn.ExecuteAsync(
        """
        INSERT INTO callbacks (phone, source, urgency, place_at, due_at, failures, created_at, updated_at)
        SELECT '+86139' || lpad(i::text, 8, '0'), 'voicemail', (ARRAY['urgent', 'high', 'normal', 'normal', 'normal'])[1 + i % 5],
               now() - make_interval(mins => i), CASE WHEN i % 2 = 0 THEN now() - interval '1 minute' ELSE now() + interval '1 hour' END,
               i % 2, now(), now()
        FROM generate_series(1, @Open) i;
        ANALYZE callbacks;
        """, new { Open });
    Console.WriteLine($"{Open} open callbacks, {iterations} iterations per figure, PostgreSQL {conn.PostgreSqlVersion}");

    Report("next due (half due)", await TimeAsync(iterations, async _ => await store.NextDueAsync(conn, null, DateTime.UtcNow, forOperator: true, 1)));
    Report("next due + claim (rolled back)", await TimeAsync(iterations, async _ =>
    {
        await using var tx = await conn.BeginTransactionAsync();
        var next = (await store.NextDueAsync(conn, tx, DateTime.UtcNow, forOperator: true, 1)).Single();
        if (await store.ClaimAsync(conn, tx, next.Id, DateTime.UtcNow, staffId: null, automatic: true) is null)
        {
            throw new InvalidOperationException("not claimed");
        }

        await tx.RollbackAsync();
    }));
    Report("merge a duplicate request", await TimeAsync(iterations, i => MergeAsync(i, commit: true)));
    // The same without the commit: the statements alone, apart from waiting for the write-ahead log to reach the disk.
    Report("merge, statements only (rolled back)", await TimeAsync(iterations, i => MergeAsync(i, commit: false)));

    async Task MergeAsync(int i, bool commit)
    {
        await using var tx = await conn.BeginTransactionAsync();
        var phone = "+86139" + (1 + Random.Shared.Next(Open)).ToString("D8");
        var opened = await store.OpenAsync(conn, tx, new CallbackRequest(phone, CallbackSource.AbandonedInQueue, "high",
            DateTime.UtcNow, DateTime.UtcNow, $"bench:{i}:{Guid.NewGuid():N}"), DateTime.UtcNow);
        if (!opened.Merged)
        {
            throw new InvalidOperationException("expected a merge");
        }

        if (commit)
        {
            await tx.CommitAsync();
        }
        else
        {
            await tx.RollbackAsync();
        }
    }

    // The worst case for the index walk: every callback but the last in working order is waiting out a back-off.
    await conn.ExecuteAsync(
        """
        UPDATE callbacks SET due_at = now() + interval '1 hour';
        UPDATE callbacks SET due_at = now() - interval '1 minute'
        WHERE id = (SELECT id FROM callbacks ORDER BY urgency_rank DESC, place_at DESC, id DESC LIMIT 1);
        """);
    await conn.ExecuteAsync("VACUUM ANALYZE callbacks");
    Report("next due (only the last is due)", await TimeAsync(iterations, async _ => await store.NextDueAsync(conn, null, DateTime.UtcNow, forOperator: true, 1)));
    Console.WriteLine(string.Join(Environment.NewLine, await conn.QueryAsync<string>(
        """
        EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
        SELECT cb.*, n.reference FROM callbacks cb LEFT JOIN needs n ON n.id = cb.need_id
        WHERE cb.status = 'pending' AND cb.due_at <= now() AND (true OR NOT cb.wait_for_operator)
        ORDER BY cb.urgency_rank, cb.place_at, cb.id LIMIT 1
        """)));
}
finally
{
    NpgsqlConnection.ClearAllPools();
    await using var adminConn = new NpgsqlConnection(admin);
    await adminConn.ExecuteAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
}

static async Task<double[]> TimeAsync(int iterations, Func<int, Task> action)
{
    for (var i = 0; i < Math.Min(100, iterations); i++)
    {
        await action(-i - 1);
    }

    var times = new double[iterations];
    for (var i = 0; i < iterations; i++)
    {
        var started = Stopwatch.GetTimestamp();
        await action(i);
        times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    Array.Sort(times);
    return times;
}

static void Report(string what, double[] sorted)
{
    double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
    Console.WriteLine($"{what,-34} p50 {At(0.50),7:0.000} ms   p99 {At(0.99),7:0.000} ms   max {sorted[^1],7:0.000} ms");
}
