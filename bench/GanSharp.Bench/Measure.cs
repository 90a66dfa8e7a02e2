using System.Diagnostics;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace GanSharp.Bench;

/// <summary>How long to measure one workload.</summary>
public sealed record Plan(int Warmup, int Rounds, int Iterations);

/// <summary>Something to time under a name; <paramref name="Threads"/>, when set, is applied before each of its turns.</summary>
public sealed record Contender(string Name, IIteration Iteration, int? Threads = null);

/// <summary>One contender's turn in a round: each iteration's wall ms, and the CPU use while the turn ran, in cores.</summary>
public sealed record Turn(double[] Ms, double Outside, double Self);

/// <summary>One round: each contender's turn, in the contenders' order.</summary>
public sealed record Round(IReadOnlyList<Turn> Turns)
{
    public double OutsideMax => Turns.Max(t => t.Outside);
}

/// <summary>
/// One workload's contenders (engine and bare loop, a knob on and the stock path, ...), measured in interleaved
/// rounds in one process. With two contenders, <see cref="Ratio"/> is the first's time over the second's.
/// </summary>
public sealed record Comparison(string Id, int Threads, Plan Plan, QuietWait Wait, IReadOnlyList<Contender> Contenders, IReadOnlyList<Round> Rounds)
{
    public IEnumerable<string> Names => Contenders.Select(c => c.Name);

    /// <summary>Median ms per iteration of contender <paramref name="i"/> over all its timed iterations.</summary>
    public double Ms(int i) => Stats.Median(Rounds.SelectMany(r => r.Turns[i].Ms));

    /// <summary>Threads contender <paramref name="i"/> ran with.</summary>
    public int ThreadsOf(int i) => Contenders[i].Threads ?? Threads;

    /// <summary>
    /// CPU milliseconds per iteration of contender <paramref name="i"/> (this process's user + system time over the
    /// turn, per iteration; the median over rounds). Unlike wall time it barely grows when other processes share the
    /// cores, so it is the cost to plan with on a busy machine (at one thread; more threads add their spinning).
    /// </summary>
    public double CpuMs(int i) => Stats.Median(Rounds.Select(r => r.Turns[i].Self * r.Turns[i].Ms.Average()));

    public double Ratio => Contenders.Count == 2 ? Ms(0) / Ms(1) : double.NaN;

    /// <summary>The median over rounds of each round's ratio: more robust when the load changes between rounds.</summary>
    public double MedianOfRoundRatios => Contenders.Count == 2
        ? Stats.Median(Rounds.Select(r => Stats.Median(r.Turns[0].Ms) / Stats.Median(r.Turns[1].Ms)))
        : double.NaN;

    public double OutsideMax => Rounds.Max(r => r.OutsideMax);
    public double OutsideMean => Rounds.Average(r => r.Turns.Average(t => t.Outside));

    /// <summary>Never quiet before, or over 0.2 cores of outside load in some round: the numbers are suspect.</summary>
    public bool Disturbed => !Wait.Quiet || OutsideMax >= 0.2;
}

public static class Runner
{
    /// <summary>The engine's training step or sampling against the bare TorchSharp loop.</summary>
    public static Comparison Compare(string id, int threads, Plan plan, double maxWait, IIteration engine, IIteration bare, TextWriter log) =>
        Compare(id, threads, plan, maxWait, new[] { new Contender("engine", engine), new Contender("bare", bare) }, log);

    /// <summary>
    /// Waits for a quiet machine, warms every contender up, then runs <see cref="Plan.Rounds"/> rounds in which each
    /// contender in turn times <see cref="Plan.Iterations"/> iterations, recording the outside CPU load per turn.
    /// </summary>
    public static Comparison Compare(string id, int threads, Plan plan, double maxWait, IReadOnlyList<Contender> contenders, TextWriter log)
    {
        set_num_threads(threads);
        int actual = get_num_threads();
        log.Write($"[{id}] threads {actual}: waiting for a quiet machine ... ");
        var wait = Quiet.WaitForQuiet(maxWait);
        log.WriteLine(wait.Quiet
            ? $"quiet after {wait.WaitedSeconds:F0} s (outside {wait.LastOutsideCores:F2} cores)"
            : $"NOT quiet after {wait.WaitedSeconds:F0} s (outside {wait.LastOutsideCores:F2} cores); measuring anyway");

        void Enter(Contender c)
        {
            if (c.Threads is { } t) set_num_threads(t);
        }

        for (int i = 0; i < plan.Warmup; i++)
            foreach (var c in contenders)
            {
                Enter(c);
                c.Iteration.Run();
            }

        var rounds = new List<Round>();
        for (int r = 0; r < plan.Rounds; r++)
        {
            var turns = new List<Turn>();
            foreach (var c in contenders)
            {
                Enter(c);
                var s0 = CpuSnapshot.Take();
                double[] ms = Time(c.Iteration, plan.Iterations);
                var s1 = CpuSnapshot.Take();
                turns.Add(new Turn(ms, CpuSnapshot.OutsideCores(s0, s1), CpuSnapshot.SelfCores(s0, s1)));
            }
            rounds.Add(new Round(turns));
            log.WriteLine($"[{id}] round {r + 1}/{plan.Rounds}: " +
                          string.Join(", ", contenders.Select((c, i) => $"{c.Name} {Stats.Median(turns[i].Ms):F3} ms")) +
                          $", outside load {string.Join(" / ", turns.Select(t => t.Outside.ToString("F2")))} cores");
        }
        set_num_threads(actual);
        return new Comparison(id, actual, plan, wait, contenders, rounds);
    }

    /// <summary>Wall milliseconds of each of <paramref name="n"/> iterations.</summary>
    public static double[] Time(IIteration it, int n)
    {
        var ms = new double[n];
        for (int i = 0; i < n; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            it.Run();
            ms[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        return ms;
    }
}

public static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) return double.NaN;
        int m = v.Length / 2;
        return v.Length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }

    public static double R(double v, int digits = 3) => double.IsFinite(v) ? Math.Round(v, digits) : double.NaN;

    public static JsonArray Array(IEnumerable<double> values, int digits = 3) =>
        new(values.Select(v => (JsonNode)R(v, digits)).ToArray());
}
