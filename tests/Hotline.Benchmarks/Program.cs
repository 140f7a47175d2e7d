namespace Hotline.Benchmarks;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(BenchOptions.Usage);
            return 2;
        }

        using var client = new WebhookClient(options);
        // Before the first webhook: the check call already makes the app send an SMS.
        await using var twilio = await BenchTwilio.StartAsync(options);
        var bench = new WebhookBenchmark(options, client, new CpuMeter(options.AppPid, options.PostgresPid), twilio);
        var sql = options.SqlStatsConnectionString is { } cs ? new SqlStats(cs) : null;
        var started = DateTime.UtcNow;
        var loadAverage = Report.LoadAverage();

        Progress($"checking {options.Target} (signatures over {options.PublicBaseUrl})");
        try
        {
            await bench.CheckAsync();
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"ABORTED: {e.Message}");
            return 1;
        }

        Progress($"waiting for the check call's SMS at the Twilio sandbox on {twilio.Address}");
        if (await twilio.SettleAsync(TimeSpan.FromSeconds(30)) is null)
        {
            Console.Error.WriteLine($"ABORTED: the check call's SMS did not reach the Twilio sandbox within 30 s: {twilio.Diagnosis()}.");
            return 1;
        }

        Progress($"warming up for {options.WarmupSeconds} s");
        await bench.WarmUpAsync();
        // The warm-up's SMS and their status callbacks are not the idle baseline's, nor the first run's.
        if (await twilio.SettleAsync(TimeSpan.FromSeconds(60)) is null)
        {
            Console.Error.WriteLine($"ABORTED: the warm-up's SMS did not all reach the Twilio sandbox within 60 s: {twilio.Diagnosis()}.");
            return 1;
        }

        Progress("idle for 3 s");
        var idle = await bench.IdleAsync(TimeSpan.FromSeconds(3));
        Progress($"constant endpoint, closed loop, {options.Concurrency} concurrent, {options.Seconds} s");
        var constant = await bench.ConstantAsync();
        if (sql is not null)
        {
            await sql.ResetAsync();
        }

        twilio.StartMeasuring();
        Progress($"intake sequence, closed loop, {options.Concurrency} concurrent, {options.Seconds} s");
        var intake = await bench.IntakeAsync();
        var sqlReport = sql is null ? null : await sql.ReportAsync(intake);
        // Each run is measured with its own SMS only: the closed loop's backlog of SMS jobs and status callbacks
        // drains before the open loop starts.
        var settleTimeout = TimeSpan.FromSeconds(60 + 2 * options.Seconds);
        Progress("waiting for the closed-loop run's SMS and their status callbacks");
        var afterIntake = await twilio.SettleAsync(settleTimeout);
        Progress($"intake sequence, open loop, {options.Rate}/s, {options.Seconds} s");
        var open = await bench.OpenLoopAsync();
        Progress("waiting for the open-loop run's SMS and their status callbacks");
        var afterOpen = await twilio.SettleAsync(settleTimeout);
        var sms = twilio.Tally();

        Console.WriteLine(Report.Render(options, started, loadAverage, idle, constant, intake, open, sms, afterIntake, afterOpen));
        if (sqlReport is not null)
        {
            Console.WriteLine(sqlReport);
        }

        var failures = constant.Latencies.Failures + intake.Latencies.Failures + open.Latencies.Failures;
        if (failures > 0)
        {
            Console.Error.WriteLine($"FAILED: {failures} webhooks did not get the expected answer; the figures above include them.");
            return 1;
        }

        if (!sms.Ok)
        {
            Console.Error.WriteLine($"FAILED: the Twilio sandbox accepted {sms.Accepted:N0} SMS for the intake runs' callers ({sms.Duplicates:N0} of them " +
                $"duplicates) where {sms.Expected:N0} were expected, and {sms.CallbacksFailed:N0} of their status callbacks failed" +
                (sms.FirstProblem is { } problem ? $"; {problem}." : sms.Accepted == 0 ? $"; {twilio.Diagnosis()}." : $" (waited {settleTimeout.TotalSeconds:F0} s after each run)."));
            return 1;
        }

        return 0;
    }

    static void Progress(string message) => Console.Error.WriteLine($"[bench] {message}");
}
