using System.Diagnostics;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace GanSharp.Bench;

/// <summary>How long to measure one workload.</summary>
public sealed record Plan(int Warmup, int Rounds, int Iterations);

/// <summary>One round: the engine's iterations, then the bare loop's, with the outside load during each.</summary>
public sealed record Round(double[] EngineMs, double[] BareMs, double OutsideEngine, double OutsideBare, double SelfEngine, double SelfBare)
{
    public double OutsideMax => Math.Max(OutsideEngine, OutsideBare);
}

/// <summary>Engine and bare loop of one workload, measured in interleaved rounds in one process.</summary>
public sealed record Comparison(string Id, int Threads, Plan Plan, QuietWait Wait, IReadOnlyList<Round> Rounds)
{
    public double EngineMs => Stats.Median(Rounds.SelectMany(r => r.EngineMs));
    public double BareMs => Stats.Median(Rounds.SelectMany(r => r.BareMs));
    public double Ratio => EngineMs / BareMs;
    public double OutsideMax => Rounds.Max(r => r.OutsideMax);
    public double OutsideMean => Rounds.Average(r => (r.OutsideEngine + r.OutsideBare) / 2);

    /// <summary>Never quiet before, or over 0.2 cores of outside load in some round: the numbers are suspect.</summary>
    public bool Disturbed => !Wait.Quiet || OutsideMax >= 0.2;
}

public static class Runner
{
    public static Comparison Compare(string id, int threads, Plan plan, double maxWait, IIteration engine, IIteration bare, TextWriter log)
    {
        set_num_threads(threads);
        int actual = get_num_threads();
        log.Write($"[{id}] threads {actual}: waiting for a quiet machine ... ");
        var wait = Quiet.WaitForQuiet(maxWait);
        log.WriteLine(wait.Quiet
            ? $"quiet after {wait.WaitedSeconds:F0} s (outside {wait.LastOutsideCores:F2} cores)"
            : $"NOT quiet after {wait.WaitedSeconds:F0} s (outside {wait.LastOutsideCores:F2} cores); measuring anyway");

        for (int i = 0; i < plan.Warmup; i++)
        {
            engine.Run();
            bare.Run();
        }

        var rounds = new List<Round>();
        for (int r = 0; r < plan.Rounds; r++)
        {
            var s0 = CpuSnapshot.Take();
            double[] e = Time(engine, plan.Iterations);
            var s1 = CpuSnapshot.Take();
            double[] b = Time(bare, plan.Iterations);
            var s2 = CpuSnapshot.Take();
            var round = new Round(e, b, CpuSnapshot.OutsideCores(s0, s1), CpuSnapshot.OutsideCores(s1, s2),
                CpuSnapshot.SelfCores(s0, s1), CpuSnapshot.SelfCores(s1, s2));
            rounds.Add(round);
            log.WriteLine($"[{id}] round {r + 1}/{plan.Rounds}: engine {Stats.Median(e):F3} ms, bare {Stats.Median(b):F3} ms, " +
                          $"outside load {round.OutsideEngine:F2} / {round.OutsideBare:F2} cores");
        }
        return new Comparison(id, actual, plan, wait, rounds);
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
