using System.CommandLine;
using GanSharp.Reporting;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp report`: one self-contained HTML file about a run, or several runs compared.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var run = new Argument<string?>("RUN") { Description = "The run directory (or sweep folder) to report on", Arity = ArgumentArity.ZeroOrOne };
        var compare = new Option<string[]>("--compare") { Description = "Runs to compare (with RUN, or on their own): curves overlaid, final metrics side by side", AllowMultipleArgumentsPerToken = true };
        var outFile = new Option<string?>("--out") { Description = "Output HTML file (default: RUN/report.html, or compare.html for a comparison)" };
        var frames = new Option<int>("--max-frames") { Description = "Most sample grids per run in the scrubbable strip (evenly spaced)", DefaultValueFactory = _ => 60 };
        var cmd = new Command("report", """
            Write one self-contained HTML file (images inlined, no external links) with the run's options, loss
            and metric curves, sample grids over time (a slider scrubs through them), the final evaluation, the
            class histogram over time where present, and the environment. Mail it as it is. A sweep folder
            gets its results table, bar plots and each configuration's curves.

            Examples:
              gansharp report runs/mnist
              gansharp report runs/mnist --out mnist.html
              gansharp report --compare runs/gan runs/wgan-gp runs/hinge --out losses.html
              gansharp report runs/ring-fixes                 # a sweep folder
            """);
        cmd.Arguments.Add(run);
        foreach (var o in new Option[] { compare, outFile, frames }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var runs = new List<string>();
            if (p.GetValue(run) is { } r) runs.Add(r);
            runs.AddRange(p.GetValue(compare) ?? Array.Empty<string>());
            if (runs.Count == 0) throw new ArgumentException("give a run directory, or --compare RUN_A RUN_B …");
            int max = p.GetValue(frames);
            if (max < 1) throw new ArgumentException($"--max-frames must be positive (got {max})");
            string path = p.GetValue(outFile) ?? (runs.Count == 1 ? Path.Combine(runs[0], "report.html") : "compare.html");
            if (runs.Count == 1 && SweepReport.IsSweep(runs[0]))
            {
                SweepReport.Write(path, runs[0]);
                Console.WriteLine($"wrote {path} ({new FileInfo(path).Length / 1024} KB, sweep {runs[0]})");
                return 0;
            }
            if (runs.FirstOrDefault(SweepReport.IsSweep) is { } sweep)
                throw new ArgumentException($"'{sweep}' is a sweep folder: report it on its own ('gansharp report {sweep}'), or compare its run directories");
            RunReport.Write(path, runs, max);
            Console.WriteLine($"wrote {path} ({new FileInfo(path).Length / 1024} KB, {runs.Count} run{(runs.Count == 1 ? "" : "s")})");
            return 0;
        });
        return cmd;
    }
}
