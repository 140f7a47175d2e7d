using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Dapper;
using Hotline.Calls;
using Hotline.Infrastructure;
using Npgsql;

// The call log over 10 million calls (about four months of a record day, 80,000 calls, every day): p95 of the three
// queries the console runs, through the app's own CallLogStore on the schema its migrations build.
//
//   dotnet run -c Release --project tests/Hotline.Benchmarks.CallLog -- --postgres "<superuser connection string>"
//       [--calls 10000000] [--iterations 200] [--keep]
//   (or ops/bench.sh calllog, which brings its own throwaway PostgreSQL)
// Creates a database beside the one named, seeds it (seed.sql, a few minutes on a quiet 2-core machine), measures,
// and drops the database unless --keep (then psql can EXPLAIN the same queries on it).
var admin = Arg("--postgres") ?? Environment.GetEnvironmentVariable("HOTLINE_TEST_POSTGRES")
    ?? throw new ArgumentException("--postgres <superuser connection string> (or HOTLINE_TEST_POSTGRES) is required.");
var calls = int.Parse(Arg("--calls") ?? "10000000", CultureInfo.InvariantCulture);
var iterations = int.Parse(Arg("--iterations") ?? "200", CultureInfo.InvariantCulture);
var keep = args.Contains("--keep");
// --reuse DATABASE measures a database an earlier --keep run seeded, without seeding again.
var reuse = Arg("--reuse");

TimeSpan? firstRow = null;
DefaultTypeMap.MatchNamesWithUnderscores = true;
var database = reuse ?? $"hotline_bench_log_{Guid.NewGuid():N}"[..28];
keep |= reuse is not null;
var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database, CommandTimeout = 0 }.ConnectionString;
Migrator.Run(connectionString);
// Built as the app builds its own (prepared statements, no JIT), so the figures are the console's.
var db = DatabaseSetup.CreateDataSource(connectionString, "calllog-bench");
try
{
    var seeding = Stopwatch.StartNew();
    await using (var conn = reuse is null ? await db.OpenConnectionAsync() : null)
    {
        using var reader = conn is null ? StreamReader.Null : new StreamReader(System.Reflection.Assembly.GetExecutingAssembly().GetManifestResourceStream("seed.sql")!);
        var seed = (await reader.ReadToEndAsync()).Replace("{calls}", calls.ToString(CultureInfo.InvariantCulture));
        var steps = conn is null ? [] : Regex.Split(seed, @"^-- step: ", RegexOptions.Multiline);
        foreach (var (step, index) in steps.Select((s, i) => (s, i)))
        {
            // The text before the first marker is the session's settings; every other step starts with its name.
            var name = index == 0 ? "settings" : step[..step.IndexOf('\n')];
            var watch = Stopwatch.StartNew();
            await conn!.ExecuteAsync(index == 0 ? step : step[step.IndexOf('\n')..], commandTimeout: 0);
            Console.Error.WriteLine($"[calllog] seed {name}: {watch.Elapsed.TotalSeconds:F0} s");
        }
    }

    seeding.Stop();
    var counts = await Scalar<string>(
        """
        SELECT format('%s calls, %s needs, %s voicemails; %s on disk',
            to_char((SELECT count(*) FROM calls), 'FM999,999,999'), to_char((SELECT count(*) FROM needs), 'FM999,999,999'),
            to_char((SELECT count(*) FROM voicemails), 'FM999,999,999'), pg_size_pretty(pg_database_size(current_database())))
        """);
    var version = await Scalar<string>("SHOW server_version");
    Console.WriteLine($"## Call log over {calls:N0} calls, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    Console.WriteLine();
    Console.WriteLine($"- {Environment.ProcessorCount} cores, PostgreSQL {version} on the same machine; load average at start {File.ReadAllText("/proc/loadavg")[..14]}.");
    Console.WriteLine(reuse is null ? $"- Seeded in {seeding.Elapsed.TotalSeconds:F0} s: {counts}." : $"- Measured on {reuse}, seeded earlier: {counts}.");
    Console.WriteLine($"- Each query through `CallLogStore` (a pooled connection per call, as the endpoints do), {iterations} times after 20 warm-ups (an export {Math.Max(10, iterations / 10)} times after 2); an export reads every row.");
    Console.WriteLine();

    var store = new CallLogStore(db);
    var now = DateTime.UtcNow;
    var day = now.AddHours(-24);
    var ever = now.AddDays(-200);
    // A typical caller (about 45 calls in four months) and one of the 100 frequent ones (about 1,000).
    const string typical = "+8613800012345", frequent = "+8613900000042";
    var deep = (await store.PageAsync(new CallLogFilter(day, now, null, null, null, null), 1000, default))[^1];
    var cases = new (string Name, Func<Task<int>> Run)[]
    {
        ("last 24 hours, first page (50)", () => Page(new CallLogFilter(day, now, null, null, null, null))),
        ("last 24 hours, page 21 (cursor)", () => Page(new CallLogFilter(day, now, null, null, null, new CallLogCursor(deep.StartedAt, deep.Id)))),
        ("last 24 hours, outcome voicemail, first page", () => Page(new CallLogFilter(day, now, "voicemail", null, null, null))),
        ("last 24 hours, category urgent_medical, first page", () => Page(new CallLogFilter(day, now, null, "urgent_medical", null, null))),
        ("phone search, last 24 hours", () => Page(new CallLogFilter(day, now, null, null, typical, null))),
        ("phone search, typical caller, all 200 days", () => Page(new CallLogFilter(ever, now, null, null, typical, null))),
        ("phone search, frequent caller, all 200 days", () => Page(new CallLogFilter(ever, now, null, null, frequent, null))),
        ("CSV export, last 24 hours, urgent_medical", () => Export(new CallLogFilter(day, now, null, "urgent_medical", null, null))),
        ("CSV export, last 24 hours, voicemail", () => Export(new CallLogFilter(day, now, "voicemail", null, null, null))),
        ("CSV export, last 7 days, urgent_medical", () => Export(new CallLogFilter(now.AddDays(-7), now, null, "urgent_medical", null, null))),
    };

    await MeasureAsync("On the migrated schema");

    return 0;

    async Task MeasureAsync(string title)
    {
        Console.WriteLine($"### {title}");
        Console.WriteLine();
        Console.WriteLine("| Query | rows | p50 ms | p95 ms | p99 ms | max ms | first row p95 ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, run) in cases)
        {
            // An export can take seconds; a tenth of the iterations still gives its p95.
            var export = name.StartsWith("CSV", StringComparison.Ordinal);
            var times = export ? Math.Max(10, iterations / 10) : iterations;
            for (var i = 0; i < (export ? 2 : 20); i++)
            {
                await run();
            }

            var ms = new double[times];
            var first = new double[times];
            var rows = 0;
            for (var i = 0; i < times; i++)
            {
                var watch = Stopwatch.StartNew();
                firstRow = null;
                rows = await run();
                ms[i] = watch.Elapsed.TotalMilliseconds;
                first[i] = (firstRow ?? watch.Elapsed).TotalMilliseconds;
            }

            Array.Sort(ms);
            Array.Sort(first);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {rows:N0} | {P(ms, 0.50):F2} | {P(ms, 0.95):F2} | {P(ms, 0.99):F2} | {ms[^1]:F2} | {P(first, 0.95):F2} |"));
        }

        Console.WriteLine();
    }
}
finally
{
    await db.DisposeAsync();
    NpgsqlConnection.ClearAllPools();
    if (!keep)
    {
        await using var drop = new NpgsqlConnection(admin);
        await drop.ExecuteAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
    }
    else
    {
        Console.Error.WriteLine($"[calllog] kept database {database}");
    }
}

async Task<int> Page(CallLogFilter filter) => (await new CallLogStore(db).PageAsync(filter, 51, default)).Count;

// A page's rows arrive all at once; an export streams, so its first row (when the download starts) is timed too.
async Task<int> Export(CallLogFilter filter)
{
    var rows = 0;
    var watch = Stopwatch.StartNew();
    await foreach (var _ in new CallLogStore(db).StreamAsync(filter, 100_000, default))
    {
        if (rows++ == 0)
        {
            firstRow = watch.Elapsed;
        }
    }

    return rows;
}

async Task<T> Scalar<T>(string sql)
{
    await using var conn = await db.OpenConnectionAsync();
    return (await conn.ExecuteScalarAsync<T>(sql))!;
}

static double P(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
