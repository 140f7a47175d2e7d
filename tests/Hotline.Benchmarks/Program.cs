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
        var bench = new WebhookBenchmark(options, client, new CpuMeter(options.AppPid, options.PostgresPid));
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

        Progress($"warming up for {options.WarmupSeconds} s");
        await bench.WarmUpAsync();
        Progress("idle for 3 s");
        var idle = await bench.IdleAsync(TimeSpan.FromSeconds(3));
        Progress($"constant endpoint, closed loop, {options.Concurrency} concurrent, {options.Seconds} s");
        var constant = await bench.ConstantAsync();
        if (sql is not null)
        {
            await sql.ResetAsync();
        }

        Progress($"intake sequence, closed loop, {options.Concurrency} concurrent, {options.Seconds} s");
        var intake = await bench.IntakeAsync();
        var sqlReport = sql is null ? null : await sql.ReportAsync(intake);
        Progress($"intake sequence, open loop, {options.Rate}/s, {options.Seconds} s");
        var open = await bench.OpenLoopAsync();

        Console.WriteLine(Report.Render(options, started, loadAverage, idle, constant, intake, open));
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

        return 0;
    }

    static void Progress(string message) => Console.Error.WriteLine($"[bench] {message}");
}
