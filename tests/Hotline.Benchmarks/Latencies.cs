using System.Diagnostics;

namespace Hotline.Benchmarks;

public readonly record struct LatencySummary(int Count, double P50, double P99, double Max)
{
    // Every sample is kept and sorted: exact percentiles, and a few million longs fit in memory easily.
    public static LatencySummary Of(List<long> ticks)
    {
        if (ticks.Count == 0)
        {
            return new LatencySummary(0, double.NaN, double.NaN, double.NaN);
        }

        var sorted = ticks.ToArray();
        Array.Sort(sorted);
        return new LatencySummary(sorted.Length, Ms(At(sorted, 0.50)), Ms(At(sorted, 0.99)), Ms(sorted[^1]));
    }

    // Nearest rank: the smallest sample with at least p of all samples at or below it.
    static long At(long[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

// Latency samples in Stopwatch ticks, overall and per webhook step. One per worker in closed-loop runs (no locks on
// the hot path), merged at the end; the open-loop run shares one under a lock.
public sealed class Latencies
{
    public List<long> All { get; } = [];
    public Dictionary<string, List<long>> ByStep { get; } = [];
    public int Failures { get; private set; }
    public string? FirstProblem { get; private set; }

    public void Add(string step, long ticks, WebhookAnswer answer)
    {
        if (!answer.Ok)
        {
            Failures++;
            FirstProblem ??= answer.Problem;
        }

        All.Add(ticks);
        For(step).Add(ticks);
    }

    List<long> For(string step) => ByStep.TryGetValue(step, out var list) ? list : ByStep[step] = [];

    public static Latencies Merge(IEnumerable<Latencies> parts)
    {
        var merged = new Latencies();
        foreach (var part in parts)
        {
            merged.All.AddRange(part.All);
            foreach (var (step, ticks) in part.ByStep)
            {
                merged.For(step).AddRange(ticks);
            }

            merged.Failures += part.Failures;
            merged.FirstProblem ??= part.FirstProblem;
        }

        return merged;
    }
}
