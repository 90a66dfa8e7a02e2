using System.Text;
using System.Text.Json.Nodes;

namespace GanSharp.Bench;

/// <summary>One measured comparison and what the report shows beside it.</summary>
/// <param name="Unit">ms/iteration (a training step), ms/batch (sampling) or ms/mm (one GEMM).</param>
public sealed record Measured(Comparison C, string Workload, string Description, int Batch, string Unit)
{
    /// <summary>PyTorch's median ms for the same id, when the reference has it.</summary>
    public double? PyTorchMs { get; init; }

    /// <summary>Nominal GFLOP of one iteration (<see cref="Flops"/>), for the achieved GFLOP/s.</summary>
    public double? Gflop { get; init; }

    /// <summary>The GEMM peak measured in this run at the same thread count, GFLOP/s.</summary>
    public double? PeakGflops { get; init; }

    /// <summary>Report ms per example beside ms per iteration (batch-scaling).</summary>
    public bool PerSample { get; init; }

    /// <summary>Extra fields of the JSON entry (e.g. the knob's name).</summary>
    public JsonObject? Extra { get; init; }

    public string? Note { get; init; }

    public double Gflops(double ms) => Gflop is { } g ? g * 1000 / ms : double.NaN;
}

/// <summary>Everything measured so far: the JSON entries and the printed tables.</summary>
public sealed class Results
{
    private readonly List<Measured> _rows = new();

    public JsonArray Json { get; } = new();

    public JsonObject? Memory { get; set; }

    public void Add(Measured m)
    {
        _rows.Add(m);
        Json.Add(Entry(m));
    }

    /// <summary>The GEMM GFLOP/s measured in this run at <paramref name="threads"/> threads, if the gemm workload ran.</summary>
    public double? GemmPeak(int threads) =>
        _rows.FirstOrDefault(r => r.Workload == "gemm" && r.C.Threads == threads) is { } g ? g.Gflops(g.C.Ms(0)) : null;

    /// <summary>
    /// The results file's entry. Keys are per contender name (engine/bare, knob/stock, t2/t1): median_ms_NAME,
    /// ratio_A_to_B (two contenders), and per round NAME_ms, outside_load_cores_NAME, own_cores_NAME.
    /// </summary>
    private static JsonObject Entry(Measured m)
    {
        var c = m.C;
        var names = c.Names.ToArray();
        var e = new JsonObject
        {
            ["id"] = c.Id,
            ["workload"] = m.Workload,
            ["description"] = m.Description,
            ["threads"] = c.Threads,
            ["batch"] = m.Batch,
            ["unit"] = m.Unit,
            ["contenders"] = new JsonArray(names.Select(n => (JsonNode)n).ToArray()),
            ["warmup_iterations"] = c.Plan.Warmup,
            ["rounds"] = c.Plan.Rounds,
            ["iterations_per_round"] = c.Plan.Iterations,
            ["iterations"] = c.Plan.Rounds * c.Plan.Iterations,
        };
        if (c.Contenders.Any(x => x.Threads is not null))
            e["contender_threads"] = new JsonObject(names.Select((n, i) => KeyValuePair.Create(n, (JsonNode?)c.ThreadsOf(i))));
        if (m.Extra is not null)
            foreach (var (k, v) in m.Extra) e[k] = v?.DeepClone();
        for (int i = 0; i < names.Length; i++) e[$"median_ms_{names[i]}"] = Stats.R(c.Ms(i));
        if (names.Length == 2)
        {
            e[$"ratio_{names[0]}_to_{names[1]}"] = Stats.R(c.Ratio);
            e["median_of_round_ratios"] = Stats.R(c.MedianOfRoundRatios);
        }
        if (m.PyTorchMs is { } pt)
        {
            e["pytorch_ms"] = Stats.R(pt);
            for (int i = 0; i < names.Length; i++) e[$"ratio_{names[i]}_to_pytorch"] = Stats.R(c.Ms(i) / pt);
        }

        // Quantities derived from ms, for every contender and PyTorch: NAME_key and pytorch_key.
        void Derived(string key, Func<double, double> f, int digits)
        {
            for (int i = 0; i < names.Length; i++) e[$"{key}_{names[i]}"] = Stats.R(f(c.Ms(i)), digits);
            if (m.PyTorchMs is { } p) e[$"pytorch_{key}"] = Stats.R(f(p), digits);
        }
        if (m.Unit == "ms/batch") Derived("images_per_second", ms => m.Batch * 1000 / ms, 1);
        if (m.PerSample) Derived("ms_per_sample", ms => ms / m.Batch, 4);
        for (int i = 0; i < names.Length; i++) e[$"cpu_ms_{names[i]}"] = Stats.R(c.CpuMs(i), 1);
        if (m.Gflop is { } gflop)
        {
            e["gflop_per_iteration"] = Stats.R(gflop, 4);
            Derived("gflops", m.Gflops, 1);
            if (m.PeakGflops is { } peak)
            {
                e["gemm_peak_gflops"] = Stats.R(peak, 1);
                e[$"fraction_of_gemm_peak_{names[0]}"] = Stats.R(m.Gflops(c.Ms(0)) / peak);
            }
        }
        if (m.Note is not null) e["note"] = m.Note;

        e["quiet_before"] = c.Wait.Quiet;
        e["quiet_wait_seconds"] = Stats.R(c.Wait.WaitedSeconds, 1);
        e["outside_load_cores_max"] = Stats.R(c.OutsideMax, 2);
        e["outside_load_cores_mean"] = Stats.R(c.OutsideMean, 2);
        e["disturbed"] = c.Disturbed;
        e["per_round"] = new JsonArray(c.Rounds.Select(r => (JsonNode)RoundJson(r, names)).ToArray());
        return e;
    }

    private static JsonObject RoundJson(Round r, string[] names)
    {
        var o = new JsonObject();
        for (int i = 0; i < names.Length; i++) o[$"{names[i]}_ms"] = Stats.Array(r.Turns[i].Ms);
        for (int i = 0; i < names.Length; i++) o[$"median_ms_{names[i]}"] = Stats.R(Stats.Median(r.Turns[i].Ms));
        if (names.Length == 2) o[$"ratio_{names[0]}_to_{names[1]}"] = Stats.R(Stats.Median(r.Turns[0].Ms) / Stats.Median(r.Turns[1].Ms));
        for (int i = 0; i < names.Length; i++) o[$"outside_load_cores_{names[i]}"] = Stats.R(r.Turns[i].Outside, 2);
        for (int i = 0; i < names.Length; i++) o[$"own_cores_{names[i]}"] = Stats.R(r.Turns[i].Self, 2);
        return o;
    }

    /// <summary>The printed summary: engine vs bare (with PyTorch), other pairs, single measurements, GFLOP/s.</summary>
    public string Tables()
    {
        var sb = new StringBuilder();
        static string F(double? v, string format) => v is { } x && double.IsFinite(x) ? x.ToString(format) : "-";
        static string Iters(Comparison c) => $"{c.Plan.Rounds}x{c.Plan.Iterations}";
        static string Flag(Measured m) => string.Join(" ", new[] { m.Note, m.C.Disturbed ? "DISTURBED" : null }.Where(s => s is not null));

        var engineBare = _rows.Where(r => r.C.Names.SequenceEqual(new[] { "engine", "bare" })).ToList();
        if (engineBare.Count > 0)
        {
            var t = new TextTable("workload", "thr", "batch", "iters", "engine ms", "bare ms", "eng/bare", "PyTorch ms", "eng/PT", "bare/PT", "outside", "note");
            foreach (var r in engineBare)
            {
                var c = r.C;
                string note = r.Unit == "ms/batch"
                    ? $"{r.Batch * 1000 / c.Ms(0):F0} / {r.Batch * 1000 / c.Ms(1):F0} img/s" + (r.PyTorchMs is { } p ? $" (PyTorch {r.Batch * 1000 / p:F0})" : "")
                    : "";
                t.Add(c.Id, c.Threads.ToString(), r.Batch.ToString(), Iters(c), F(c.Ms(0), "F2"), F(c.Ms(1), "F2"), F(c.Ratio, "F3"),
                    F(r.PyTorchMs, "F1"), F(c.Ms(0) / r.PyTorchMs, "F2"), F(c.Ms(1) / r.PyTorchMs, "F2"), F(c.OutsideMax, "F2"), $"{note} {Flag(r)}".Trim());
            }
            sb.AppendLine(t.ToString()).AppendLine();
        }

        var pairs = _rows.Where(r => r.C.Contenders.Count == 2 && !engineBare.Contains(r)).ToList();
        if (pairs.Count > 0)
        {
            var t = new TextTable("comparison", "thr", "iters", "A", "A ms", "B", "B ms", "A/B", "rounds", "outside", "note");
            foreach (var r in pairs)
            {
                var c = r.C;
                t.Add(c.Id, c.Threads.ToString(), Iters(c), c.Contenders[0].Name, F(c.Ms(0), "F2"), c.Contenders[1].Name, F(c.Ms(1), "F2"),
                    F(c.Ratio, "F3"), F(c.MedianOfRoundRatios, "F3"), F(c.OutsideMax, "F2"), Flag(r));
            }
            sb.AppendLine(t.ToString()).AppendLine();
        }

        var singles = _rows.Where(r => r.C.Contenders.Count == 1).ToList();
        if (singles.Count > 0)
        {
            var t = new TextTable("measurement", "thr", "batch", "iters", "ms", "cpu ms", "ms/sample", "PyTorch ms", "/PT", "outside", "note");
            foreach (var r in singles)
            {
                var c = r.C;
                t.Add(c.Id, c.Threads.ToString(), r.Batch.ToString(), Iters(c), F(c.Ms(0), "F2"), F(c.CpuMs(0), "F1"), r.PerSample ? F(c.Ms(0) / r.Batch, "F3") : "",
                    F(r.PyTorchMs, "F1"), F(c.Ms(0) / r.PyTorchMs, "F2"), F(c.OutsideMax, "F2"), Flag(r));
            }
            sb.AppendLine(t.ToString()).AppendLine();
        }

        var flops = _rows.Where(r => r.Gflop is not null && r.C.Contenders[0].Name == "engine").ToList();   // knob rows: in the JSON only
        if (flops.Count > 0)
        {
            var t = new TextTable("GFLOP/s", "thr", "GFLOP/it", "first", "GFLOP/s", "second", "GFLOP/s", "PyTorch", "GEMM peak", "first/peak");
            foreach (var r in flops)
            {
                var c = r.C;
                bool two = c.Contenders.Count == 2;
                t.Add(c.Id, c.Threads.ToString(), F(r.Gflop, "F3"), c.Contenders[0].Name, F(r.Gflops(c.Ms(0)), "F1"),
                    two ? c.Contenders[1].Name : "", two ? F(r.Gflops(c.Ms(1)), "F1") : "",
                    F(r.PyTorchMs is { } p ? r.Gflops(p) : null, "F1"), F(r.PeakGflops, "F1"),
                    r.PeakGflops is { } peak ? $"{100 * r.Gflops(c.Ms(0)) / peak:F0}%" : "-");
            }
            sb.AppendLine(t.ToString()).AppendLine();
        }
        sb.Append("outside = max over rounds of other processes' CPU use, in cores; ratios are time ratios (below 1 = faster); " +
                  "GFLOP/s = nominal FLOPs of an iteration (docs/performance.md) over the median time.");
        return sb.ToString();
    }
}

/// <summary>A plain-text table: the first and "note" columns left-aligned, the others right-aligned, widths from the contents.</summary>
public sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = new() { headers };

    public void Add(params string[] cells) => _rows.Add(cells);

    public override string ToString()
    {
        int[] widths = headers.Select((_, i) => _rows.Max(r => i < r.Length ? r[i].Length : 0)).ToArray();
        var sb = new StringBuilder();
        foreach (var r in _rows)
        {
            var cells = r.Select((s, i) => i == 0 || headers[i] == "note" ? s.PadRight(widths[i]) : s.PadLeft(widths[i]));
            sb.AppendLine(string.Join("  ", cells).TrimEnd());
        }
        return sb.ToString().TrimEnd('\n');
    }
}
