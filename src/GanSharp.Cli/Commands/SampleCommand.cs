using System.CommandLine;
using GanSharp.Models;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp sample`: images from a checkpoint alone.</summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A .ckpt file, or a run directory (its latest checkpoint)", Required = true };
        var count = new Option<int>("--count") { Description = "Number of samples (default 64)", DefaultValueFactory = _ => 64 };
        var outFile = new Option<string>("--out") { Description = "Output PNG (a grid for images, a scatter plot for 2-D data)", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the latents (default 0)", DefaultValueFactory = _ => 0 };
        var cls = new Option<int?>("--class") { Description = "Class label K for conditional models (cgan); without it they write one class per row" };
        var cmd = new Command("sample", """
            Generate samples from a checkpoint (it records its model, options and step).

            Examples:
              gansharp sample --checkpoint runs/mnist --count 64 --out grid.png
              gansharp sample --checkpoint runs/mnist/checkpoints/step-002000.ckpt --count 16 --seed 7 --out g.png
              gansharp sample --checkpoint runs/cmnist --class 7 --count 16 --out sevens.png
            """);
        cmd.Options.Add(checkpoint);
        cmd.Options.Add(count);
        cmd.Options.Add(outFile);
        cmd.Options.Add(seed);
        cmd.Options.Add(cls);
        var device = DeviceOption.Create();
        cmd.Options.Add(device);
        cmd.SetAction(p =>
        {
            int n = p.GetValue(count);
            if (n <= 0 || n > 100_000) throw new ArgumentException($"--count must be between 1 and 100000 (got {n})");
            string path = p.GetValue(outFile)!;
            if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"--out must name a .png file (got '{path}')");
            var deviceKind = DeviceOption.Get(p, device);
            TorchRuntime.EnsureLoaded();
            using var sampler = Sampler.Load(p.GetValue(checkpoint)!, deviceKind);
            int? k = p.GetValue(cls);
            int? columns = null;
            Tensor? condition = null;
            if (k is not null)
            {
                if (sampler.System is not IClassConditional cc)
                    throw new ArgumentException($"--class needs a class-conditional checkpoint; '{p.GetValue(checkpoint)}' is an unconditional {sampler.Options.Model} model");
                if (k < 0 || k >= cc.NumClasses)
                    throw new ArgumentException($"--class must be between 0 and {cc.NumClasses - 1} (got {k})");
                condition = full(n, k.Value, ScalarType.Int64);
            }
            else if (sampler.System.GridCondition(n) is { } grid)
            {
                condition = grid; // one class per row
                columns = sampler.System.GridColumns(n);
                n = (int)grid.shape[0];
            }
            using var images = sampler.Sample(n, p.GetValue(seed), condition);
            condition?.Dispose();
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null) Directory.CreateDirectory(dir);
            SampleGrids.SaveSamples(images, path, $"{sampler.Options.Model} step {sampler.Step}", null, columns);
            Console.WriteLine($"wrote {n} samples{(k is null ? "" : $" of class {k}")} from {sampler.Options.Model} step {sampler.Step} to {path}");
            return 0;
        });
        return cmd;
    }
}
