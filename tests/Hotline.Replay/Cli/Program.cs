using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Hotline.Sandbox;
using Hotline.Sandbox.Calls;
using Hotline.Sandbox.Cli;
using Npgsql;

namespace Hotline.Replay.Cli;

// The lockdown-day replay (issue 9), against a running app:
//   generate --calls N [--seed S] [--day-seconds 86400] [--out day.json]
//   run      --calls N | --day day.json  [--seed S] [--day-seconds 86400] --speed X --db "<connection string of the app's database>"
//            [--app http://127.0.0.1:5080] [--sandbox-urls http://127.0.0.1:5090] [--auth-token T] [--account-sid AC..]
//            [--hotline-number +86...] [--app-pid PID] [--postgres-pid PID of the postmaster]
// `run` starts the sandbox in-process (point the app's Twilio:ApiBaseUrl at --sandbox-urls and give it the same SID,
// token and number), plays the day phase by phase, waits for the database to go quiet, audits it and prints
// expected vs found and the resources used. Exit code 0 only for a perfect audit.
public static class Program
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task<int> Main(string[] argv)
    {
        var args = ParseArgs(argv.Skip(1));
        var command = argv.FirstOrDefault();
        try
        {
            return command switch
            {
                "generate" => await GenerateAsync(args),
                "run" => await RunAsync(args),
                _ => Usage(),
            };
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return Usage();
        }
    }

    static int Usage()
    {
        Console.Error.WriteLine("usage: Hotline.Replay generate --calls N [--seed S] [--day-seconds D] [--out day.json]");
        Console.Error.WriteLine("       Hotline.Replay run (--calls N | --day day.json) --speed X --db CONN [--app URL] [--sandbox-urls URL] " +
                                "[--auth-token T] [--account-sid SID] [--hotline-number E164] [--app-pid PID]");
        return 2;
    }

    static ReplayDay Day(Dictionary<string, string> args)
    {
        if (args.TryGetValue("day", out var file))
        {
            return JsonSerializer.Deserialize<ReplayDay>(File.ReadAllText(file), Json) ?? throw new ArgumentException($"{file} holds no day.");
        }

        var calls = int.Parse(args.GetValueOrDefault("calls") ?? throw new ArgumentException("--calls or --day is required."), CultureInfo.InvariantCulture);
        var seed = int.Parse(args.GetValueOrDefault("seed") ?? "20220405", CultureInfo.InvariantCulture);
        var daySeconds = double.Parse(args.GetValueOrDefault("day-seconds") ?? "86400", CultureInfo.InvariantCulture);
        return DayGenerator.Generate(calls, seed, daySeconds);
    }

    static async Task<int> GenerateAsync(Dictionary<string, string> args)
    {
        var day = Day(args);
        var json = JsonSerializer.Serialize(day, Json);
        if (args.TryGetValue("out", out var file))
        {
            await File.WriteAllTextAsync(file, json);
            Console.Error.WriteLine($"[replay] wrote {file}: {day.Expected.Calls} calls, {day.Expected.InboundSms} SMS, {day.Expected.Wellness.Count} wellness residents");
        }
        else
        {
            Console.WriteLine(json);
        }

        return 0;
    }

    static async Task<int> RunAsync(Dictionary<string, string> args)
    {
        var day = Day(args);
        var speed = double.Parse(args.GetValueOrDefault("speed") ?? "1", CultureInfo.InvariantCulture);
        var connectionString = args.GetValueOrDefault("db") ?? throw new ArgumentException("--db is required.");
        await using var db = NpgsqlDataSource.Create(connectionString);
        var options = new SandboxOptions
        {
            AppBaseUrl = args.GetValueOrDefault("app") ?? "http://127.0.0.1:5080",
            Speed = speed,
        };
        if (args.TryGetValue("auth-token", out var token)) options.AuthToken = token;
        if (args.TryGetValue("account-sid", out var sid)) options.AccountSid = sid;
        if (args.TryGetValue("hotline-number", out var number)) options.HotlineNumber = number;
        var appPid = args.TryGetValue("app-pid", out var pid) ? int.Parse(pid, CultureInfo.InvariantCulture) : (int?)null;
        var postgresPid = args.TryGetValue("postgres-pid", out var pgPid) ? int.Parse(pgPid, CultureInfo.InvariantCulture) : (int?)null;

        await using var sandbox = await SandboxServer.StartAsync(options, urls: args.GetValueOrDefault("sandbox-urls") ?? "http://127.0.0.1:5090");
        var appCpuBefore = appPid is { } p0 ? AppCpu(p0) : null;
        var postgresCpuBefore = postgresPid is { } q0 ? ServerCpu(q0) : null;
        var wall = Stopwatch.StartNew();
        var run = await ReplayPlayer.PlayAsync(day, db, sandbox,
            () => new HttpClient(new SocketsHttpHandler { UseCookies = true, CookieContainer = new() }) { BaseAddress = new Uri(options.AppBaseUrl) },
            stableFor: TimeSpan.FromSeconds(3), quietTimeout: TimeSpan.FromMinutes(10),
            log: line => Console.Error.WriteLine($"[replay] {wall.Elapsed.TotalSeconds,6:0.0} s  {line}"));
        var failedRequests = run.FailedRequests.Count;
        var played = wall.Elapsed;
        var audit = await ReplayAudit.RunAsync(db, day.Expected, run);
        Console.WriteLine($"Lockdown-day replay: {day.Expected.Calls} calls, {day.Expected.InboundSms} SMS, {day.Expected.Wellness.Count} wellness residents, " +
                          $"seed {day.Seed}, {speed}x");
        Console.WriteLine($"wall time (played + quiet) {played.TotalSeconds:0.0} s; failed webhook requests {failedRequests}; " +
                          $"operator steps that failed {run.OperatorProblems.Count}; wellness problems {run.WellnessProblems.Count}");
        foreach (var problem in run.Problems.Take(20))
        {
            Console.WriteLine("  " + problem);
        }

        Console.WriteLine(audit);
        await using (var conn = await db.OpenConnectionAsync())
        await using (var cmd = new NpgsqlCommand("SELECT pg_database_size(current_database())", conn))
        {
            Console.WriteLine($"database size {(long)(await cmd.ExecuteScalarAsync())! / 1024.0 / 1024.0:0.0} MiB");
        }

        var self = Process.GetCurrentProcess();
        Console.WriteLine($"replay driver: CPU {self.TotalProcessorTime.TotalSeconds:0.0} s, peak memory {self.PeakWorkingSet64 / 1024 / 1024} MiB");
        if (appPid is { } p && AppCpu(p) is { } after)
        {
            Console.WriteLine($"app (pid {p}): CPU {(after - (appCpuBefore ?? 0)):0.0} s during the replay, peak memory {PeakMemoryMiB(p)} MiB");
        }

        if (postgresPid is { } q && ServerCpu(q) is { } serverAfter)
        {
            Console.WriteLine($"PostgreSQL (postmaster {q} and its backends): CPU {(serverAfter - (postgresCpuBefore ?? 0)):0.0} s during the replay");
        }

        return audit.Ok && !run.Problems.Any() ? 0 : 1;
    }

    // A PostgreSQL server's CPU: the postmaster, the children it has reaped, and the live ones (backends, WAL writer, ...).
    static double? ServerCpu(int postmaster)
    {
        var total = AppCpu(postmaster, withReapedChildren: true);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var child) && ParentOf(child) == postmaster)
            {
                total += AppCpu(child) ?? 0;
            }
        }

        return total;
    }

    static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    // utime + stime (and with withReapedChildren cutime + cstime) from /proc/<pid>/stat, in seconds.
    static double? AppCpu(int pid, bool withReapedChildren = false)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = Enumerable.Range(11, withReapedChildren ? 4 : 2).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture));
            return ticks / 100.0;
        }
        catch (IOException)
        {
            return null;
        }
    }

    static string PeakMemoryMiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? "?" : (long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024).ToString(CultureInfo.InvariantCulture);
    }

    static Dictionary<string, string> ParseArgs(IEnumerable<string> argv)
    {
        var list = argv.ToList();
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i += 2)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= list.Count)
            {
                throw new ArgumentException($"expected --name value, got '{list[i]}'");
            }

            result[list[i][2..]] = list[i + 1];
        }

        return result;
    }
}
