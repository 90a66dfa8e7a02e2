using System.CommandLine;
using GanSharp.Reporting;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp compare`: time to quality across runs (a metric against training seconds), as a PNG and a table.</summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("RUN") { Description = "Run directories trained with --eval-every (names ending -sN are seeds of one group)", Arity = ArgumentArity.OneOrMore };
        var metric = new Option<string>("--metric") { Description = "The metric to compare, as metrics.jsonl names it: fid, cfid, kid.kid, ... (default fid)", DefaultValueFactory = _ => "fid" };
        var reach = new Option<double?>("--reach") { Description = "A target value: the table gives each run's training seconds to reach it" };
        var higher = new Option<bool>("--higher-is-better") { Description = "The metric improves upwards (default: lower is better, as FID)" };
        var outFile = new Option<string?>("--out") { Description = "PNG of the curves (default: no picture)" };
        var title = new Option<string>("--title") { Description = "Title of the picture", DefaultValueFactory = _ => "time to quality" };
        var cmd = new Command("compare", """
            Compare runs by a metric against training time. The time axis is the trainer's own seconds (training steps
            only: evaluation and sample grids are left out), so runs evaluated at different rates compare fairly.
            Prints a markdown table (final, best, seconds to reach --reach; groups of seeds as mean ± std) and draws
            the curves with --out.

            Examples:
              gansharp compare runs/prog-s1 runs/prog-s2 runs/direct-s1 --reach 60 --out curves.png
              gansharp compare runs/cascade runs/cgan --metric cfid
            """);
        cmd.Arguments.Add(runs);
        foreach (var o in new Option[] { metric, reach, higher, outFile, title }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            string m = p.GetValue(metric)!;
            bool lower = !p.GetValue(higher);
            var curves = p.GetValue(runs)!.Select(r => TimeToQuality.Read(r, m)).ToList();
            var empty = curves.Where(c => c.Points.Count == 0).Select(c => c.Run).ToList();
            if (empty.Count == curves.Count)
                throw new ArgumentException($"no run has '{m}' evaluations in its metrics.jsonl ({string.Join(", ", empty)}): train with --eval-every N --metrics {m.Split('.')[0]}");
            foreach (var e in empty) Console.Error.WriteLine($"warning: run {e} has no '{m}' evaluations");
            Console.Write(TimeToQuality.Table(curves, m, p.GetValue(reach), lower));
            if (p.GetValue(outFile) is { } path)
            {
                TimeToQuality.Plot(path, curves, m, p.GetValue(title)!);
                Console.WriteLine($"wrote {path}");
            }
            return 0;
        });
        return cmd;
    }
}
