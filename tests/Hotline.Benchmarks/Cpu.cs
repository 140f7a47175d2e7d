using System.Diagnostics;

namespace Hotline.Benchmarks;

// Who used the CPU during a run, in cores: the whole machine, this load generator, the app and our PostgreSQL
// server (the postmaster and its children; other clusters on the machine count as "other"). On a 2-core machine
// shared by all of them, that split says more than any single latency figure. Linux only (/proc).
public sealed record CpuUse(double Machine, double Client, double App, double Postgres)
{
    public double Other => Machine - Client - App - Postgres;
}

public sealed class CpuMeter(int? appPid, int? postmasterPid)
{
    const double TicksPerSecond = 100; // USER_HZ, 100 on every Linux we run on

    public sealed record Snapshot(long Timestamp, long MachineBusy, long Client, long App, Dictionary<int, long> Postgres);

    public Snapshot Take() => new(
        Stopwatch.GetTimestamp(), MachineBusy(), ProcessTicks(Environment.ProcessId) ?? 0,
        appPid is { } pid ? ProcessTicks(pid) ?? 0 : 0, PostgresTicks());

    public static CpuUse Between(Snapshot start, Snapshot end)
    {
        var seconds = Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds;
        // A backend that started during the run counts from zero; one that ended during it is lost (rare: the
        // app's connection pool keeps its backends).
        var postgres = end.Postgres.Sum(p => p.Value - start.Postgres.GetValueOrDefault(p.Key));
        double Cores(long ticks) => ticks / TicksPerSecond / seconds;
        return File.Exists("/proc/stat")
            ? new CpuUse(Cores(end.MachineBusy - start.MachineBusy), Cores(end.Client - start.Client), Cores(end.App - start.App), Cores(postgres))
            : new CpuUse(double.NaN, double.NaN, double.NaN, double.NaN);
    }

    static long MachineBusy()
    {
        if (!File.Exists("/proc/stat"))
        {
            return 0;
        }

        // cpu user nice system idle iowait irq softirq steal ...: busy is everything but idle and iowait.
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        return fields.Sum() - fields[3] - fields[4];
    }

    static long? ProcessTicks(int pid) =>
        StatFields(pid) is { } fields && long.TryParse(fields[11], out var user) && long.TryParse(fields[12], out var system)
            ? user + system
            : null;

    // The fields of /proc/PID/stat after the command name, which is in parentheses and may hold spaces:
    // [0] state, [1] parent pid, ..., [11] utime, [12] stime.
    static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 12 ? fields : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    Dictionary<int, long> PostgresTicks()
    {
        var ticks = new Dictionary<int, long>();
        if (postmasterPid is not { } postmaster || !Directory.Exists("/proc"))
        {
            return ticks;
        }

        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && (pid == postmaster || ParentOf(pid) == postmaster)
                && ProcessTicks(pid) is { } t)
            {
                ticks[pid] = t;
            }
        }

        return ticks;
    }

    static int? ParentOf(int pid) => StatFields(pid) is { } fields && int.TryParse(fields[1], out var parent) ? parent : null;
}
