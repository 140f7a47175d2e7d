using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Hotline.Benchmarks;

// The results as markdown, ready to paste into docs/benchmarks.md.
public static class Report
{
    public const double AimThroughput = 1000;
    public const double AimP99Ms = 20;

    public static string Render(BenchOptions options, DateTime startedUtc, string loadAverage, CpuUse idle, RunResult constant, RunResult intake, RunResult open,
        SmsTally sms, TimeSpan? drainedAfterIntake, TimeSpan? drainedAfterOpen)
    {
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));

        Line($"## Webhooks, {startedUtc:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine();
        Line($"- Machine: {Environment.ProcessorCount} cores ({CpuModel()}), {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; load average at start {loadAverage}.");
        if (Environment.GetEnvironmentVariable("HOTLINE_BENCH_COMMAND") is { Length: > 0 } command)
        {
            Line($"- Command: `{command.Trim()}`");
        }

        Line($"- Load generator, app and PostgreSQL on the same machine, over loopback. {options.Seconds} s per run after {options.WarmupSeconds} s of warm-up.");
        Line($"- Idle, between warm-up and the first run: app {idle.App:F2} cores, PostgreSQL {idle.Postgres:F2}, other processes {idle.Other:F2}, whole machine {idle.Machine:F2} of {Environment.ProcessorCount}.");
        if (idle.Other > 0.25)
        {
            text.AppendLine("- **Other work was using the machine when the runs started: read the figures as lower bounds, and compare CPU per webhook rather than throughput.**");
        }

        text.AppendLine("- Intake sequence: half the calls hang up in the queue (6 webhooks), half leave it for voicemail (9 webhooks); every answer checked for status 200 and the expected TwiML.");
        Line($"- Twilio: the project's sandbox (src/Hotline.Sandbox) in the load generator's process, on {sms.Twilio} (the app's Twilio:ApiBaseUrl). It accepts the app's SMS and reports each one sent, then delivered, to the app's status callback 1 s and 3 s later; its CPU is in the client figure.");
        Line($"- SMS of the two intake runs: the sandbox accepted {sms.Accepted:N0}, {sms.Expected:N0} expected (a reference code per voicemail call){(sms.Duplicates > 0 ? $", **{sms.Duplicates:N0} of them duplicates**" : "")}, and sent {sms.Callbacks:N0} status callbacks to the app, {(sms.CallbacksFailed == 0 ? "all answered" : $"**{sms.CallbacksFailed:N0} failed**")}. The callbacks are webhooks too, but not counted as such; the app's and PostgreSQL's CPU for them, and for the SMS jobs, is in a run's figures as far as they happened during it. What was left drained before the next step: {Drained(drainedAfterIntake)} after the closed-loop run, {Drained(drainedAfterOpen)} after the open-loop run.");
        if (sms.Other > 0 || sms.Refused > 0)
        {
            Line($"- Also: {sms.Other:N0} SMS to numbers no intake call owed (alerts, replies), and {sms.Refused:N0} SMS requests the sandbox refused, over the whole program.");
        }

        text.AppendLine();
        // CPU per webhook holds up better than throughput on a machine that other work shares.
        text.AppendLine("| Run | Load | Webhooks | Failed | Webhooks/s | p50 ms | p99 ms | max ms | Busy cores | CPU ms per webhook: client / app / PostgreSQL |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var run in new[] { constant, intake, open })
        {
            var l = LatencySummary.Of(run.Latencies.All);
            var c = run.Cpu;
            double PerWebhook(double cores) => cores * 1000 / run.Throughput;
            Line($"| {run.Name} | {run.Load} | {l.Count:N0} | {run.Latencies.Failures:N0} | {run.Throughput:N0} | {l.P50:F1} | {l.P99:F1} | {l.Max:F1} | {c.Machine:F2} | {PerWebhook(c.Client):F2} / {PerWebhook(c.App):F2} / {PerWebhook(c.Postgres):F2} |");
        }

        text.AppendLine();
        var p99 = LatencySummary.Of(open.Latencies.All).P99;
        var atAimRate = options.Rate == 200 ? "" : " (the aim is stated at 200/s)";
        Line($"Intake / constant throughput: {intake.Throughput / constant.Throughput:F2}. Aims: at least {AimThroughput:N0} webhooks/s: {Verdict(intake.Throughput >= AimThroughput)} ({intake.Throughput:N0}); p99 under {AimP99Ms:F0} ms at {options.Rate}/s: {Verdict(p99 < AimP99Ms)} ({p99:F1} ms){atAimRate}.");
        if (options.PgbenchInsertsPerSecond is { } inserts)
        {
            Line($"PostgreSQL's own single-row insert rate on the same cluster (pgbench, one row per transaction, {options.Concurrency} clients, run just before with the app idle): {inserts:N0}/s. Intake / pgbench: {intake.Throughput / inserts:F2}; constant / pgbench: {constant.Throughput / inserts:F2}.");
        }

        if (open.SendLag is { Count: > 0 } lag)
        {
            var l = LatencySummary.Of(lag);
            Line($"The open-loop sends left p50 {l.P50:F2} ms, p99 {l.P99:F2} ms, max {l.Max:F1} ms after their slots (the load generator's own delay, included in the latencies).");
        }

        text.AppendLine();
        text.AppendLine("Per step of the intake sequence (ms):");
        text.AppendLine();
        text.AppendLine("| Step | closed p50 | closed p99 | open p50 | open p99 | open max |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var step in intake.Latencies.ByStep.Keys)
        {
            var c = LatencySummary.Of(intake.Latencies.ByStep[step]);
            var o = LatencySummary.Of(open.Latencies.ByStep.GetValueOrDefault(step) ?? []);
            Line($"| {step} | {c.P50:F1} | {c.P99:F1} | {o.P50:F1} | {o.P99:F1} | {o.Max:F1} |");
        }

        foreach (var run in new[] { constant, intake, open })
        {
            if (run.Latencies.FirstProblem is { } problem)
            {
                text.AppendLine();
                Line($"First failure in the {run.Name} run ({run.Load}): {problem}");
            }
        }

        return text.ToString();
    }

    static string Drained(TimeSpan? took) => took is { } t ? $"{t.TotalSeconds:F1} s" : "**not within the time allowed**";

    static string Verdict(bool met) => met ? "**met**" : "**missed**";

    static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown model"
            : RuntimeInformation.ProcessArchitecture.ToString();

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
