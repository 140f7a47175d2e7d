using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Hotline.Benchmarks;

// SendLag: how late the open-loop run's sends left after their slots (the load generator's own delay, which the
// latencies include); null for closed-loop runs.
public sealed record RunResult(string Name, string Load, Latencies Latencies, double Seconds, CpuUse Cpu, List<long>? SendLag = null)
{
    public double Throughput => Latencies.All.Count / Seconds;
}

// The three runs of the webhook benchmark, against an app that ops/bench.sh has started:
// the constant endpoint closed-loop (the framework's floor), the intake sequence closed-loop, and the intake
// sequence open-loop at a fixed rate. Each answered step after which the app owes a caller an SMS is noted with the
// Twilio sandbox, which checks that it arrives.
public sealed class WebhookBenchmark(BenchOptions options, WebhookClient client, CpuMeter cpu, BenchTwilio twilio)
{
    long calls;

    WebhookStep[] NextCall() => IntakeCall.Create(Interlocked.Increment(ref calls), options.HotlineNumber);

    void NoteSms(WebhookStep step, WebhookAnswer answer)
    {
        if (answer.Ok && step.SmsTo is { } to)
        {
            twilio.Owe(to);
        }
    }

    // A benchmark that measures 403s is worse than none: one constant request and one whole call must come back
    // right before anything is timed.
    public async Task CheckAsync()
    {
        WebhookStep[] steps = [IntakeCall.ConstantStep(), .. NextCall()];
        foreach (var step in steps)
        {
            var answer = await client.SendAsync(step, client.Prepare(step));
            NoteSms(step, answer);
            if (!answer.Ok)
            {
                throw new InvalidOperationException(
                    $"The first requests must succeed before anything is measured; {answer.Problem}. " +
                    "Check Twilio__AuthToken and Twilio__PublicBaseUrl (signatures), Hotline__BenchmarkEndpoints=true, " +
                    "and that an operator is on duty (the menu must answer <Enqueue>).");
            }
        }
    }

    // What the app and PostgreSQL burn with no webhooks at all (Hangfire's polling, the runtime's own background
    // work): the baseline under every run's CPU figures.
    public async Task<CpuUse> IdleAsync(TimeSpan duration)
    {
        var before = cpu.Take();
        await Task.Delay(duration);
        return CpuMeter.Between(before, cpu.Take());
    }

    public async Task WarmUpAsync()
    {
        var half = TimeSpan.FromSeconds(options.WarmupSeconds / 2.0);
        await ClosedLoopAsync("warm-up constant", () => [IntakeCall.ConstantStep()], half);
        await ClosedLoopAsync("warm-up intake", NextCall, half);
    }

    public Task<RunResult> ConstantAsync() =>
        ClosedLoopAsync("constant TwiML", () => [IntakeCall.ConstantStep()], TimeSpan.FromSeconds(options.Seconds));

    public Task<RunResult> IntakeAsync() => ClosedLoopAsync("intake sequence", NextCall, TimeSpan.FromSeconds(options.Seconds));

    // Closed loop: each of C workers sends a call's webhooks one after another, each as soon as the last answered.
    async Task<RunResult> ClosedLoopAsync(string name, Func<WebhookStep[]> nextCall, TimeSpan duration)
    {
        var budget = (long)options.MaxRequests;
        var before = cpu.Take();
        var deadline = before.Timestamp + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(async () =>
        {
            var mine = new Latencies();
            while (true)
            {
                foreach (var step in nextCall())
                {
                    if (Stopwatch.GetTimestamp() >= deadline || Interlocked.Decrement(ref budget) < 0)
                    {
                        return mine;
                    }

                    var request = client.Prepare(step);
                    var started = Stopwatch.GetTimestamp();
                    var answer = await client.SendAsync(step, request);
                    mine.Add(step.Name, Stopwatch.GetTimestamp() - started, answer);
                    NoteSms(step, answer);
                }
            }
        })).ToArray();
        var latencies = Latencies.Merge(await Task.WhenAll(workers));
        var after = cpu.Take();
        return new RunResult(name, $"closed, {options.Concurrency} concurrent", latencies,
            Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds, CpuMeter.Between(before, after));
    }

    // Open loop: webhooks go out on a fixed schedule whether or not earlier ones have answered, and each latency
    // runs from the time it was due, not the time it was sent; a stall therefore shows in every request it
    // delayed (no coordinated omission). A call's next webhook goes out at the first slot after its last one
    // answered; a slot with no call waiting starts a new call.
    public async Task<RunResult> OpenLoopAsync()
    {
        var rate = options.Rate;
        var total = (int)Math.Min((long)rate * options.Seconds, options.MaxRequests);
        var waiting = new ConcurrentQueue<(WebhookStep[] Steps, int Next)>();
        var latencies = new Latencies();
        var gate = new Lock();
        var sent = new List<Task>(total);
        var lag = new List<long>(total);

        async Task SendAsync(WebhookStep[] steps, int next, long due)
        {
            var step = steps[next];
            var answer = await client.SendAsync(step, client.Prepare(step));
            var latency = Stopwatch.GetTimestamp() - due;
            lock (gate)
            {
                latencies.Add(step.Name, latency, answer);
            }

            NoteSms(step, answer);

            if (next + 1 < steps.Length)
            {
                waiting.Enqueue((steps, next + 1));
            }
        }

        var before = cpu.Take();
        // Its own thread, so that a busy thread pool cannot hold the schedule back (a late send would still count).
        await Task.Factory.StartNew(() =>
        {
            for (var i = 0; i < total; i++)
            {
                var due = before.Timestamp + (long)(i * (double)Stopwatch.Frequency / rate);
                WaitUntil(due);
                lag.Add(Stopwatch.GetTimestamp() - due);
                var (steps, next) = waiting.TryDequeue(out var call) ? call : (NextCall(), 0);
                sent.Add(SendAsync(steps, next, due));
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAll(sent);
        var after = cpu.Take();
        return new RunResult("intake sequence", $"open, {rate}/s", latencies,
            Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds, CpuMeter.Between(before, after), lag);
    }

    // Thread.Sleep rounds to whole milliseconds, and yielding through the last one cost a fifth of a core of the
    // two (measured); usleep wakes within about a tenth of a millisecond of the slot for next to nothing.
    static void WaitUntil(long due)
    {
        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
        if (left <= TimeSpan.Zero)
        {
            return;
        }

        if (OperatingSystem.IsLinux())
        {
            _ = usleep((uint)left.TotalMicroseconds);
        }
        else
        {
            Thread.Sleep(left);
        }
    }

    [DllImport("libc", SetLastError = false)]
    static extern int usleep(uint microseconds);
}
