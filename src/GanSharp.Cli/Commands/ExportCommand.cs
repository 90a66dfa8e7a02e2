using System.CommandLine;
using GanSharp.Interop;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp export`: a checkpoint's networks as safetensors with PyTorch names, plus a JSON sidecar.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = "A run directory (its latest checkpoint) or a .ckpt file" };
        var format = new Option<string>("--format") { Description = "Export format", DefaultValueFactory = _ => "safetensors" };
        format.AcceptOnlyFromAmong("safetensors");
        var outFile = new Option<string>("--out") { Description = "Output .safetensors file for G (the sidecar NAME.json and, with --with-d, NAME.D.safetensors go beside it)", Required = true };
        var withD = new Option<bool>("--with-d") { Description = "Also write D to NAME.D.safetensors" };
        var raw = new Option<bool>("--raw") { Description = "With --ema in the run, write G's trained weights instead of their moving average" };
        var cmd = new Command("export", """
            Export a checkpoint's generator (and discriminator) to safetensors. dcgan32/dcgan64 networks get the
            state-dict names of pytorch/examples dcgan/main.py (main.0.weight, main.1.running_mean, …), so PyTorch
            loads them with netG.load_state_dict(safetensors.torch.load_file(FILE)); other networks keep GanSharp's
            names, listed in the sidecar NAME.json with the architecture, z-dim, widths and image size.

            Examples:
              gansharp export runs/celeba --format safetensors --out celeba_G.safetensors
              gansharp export runs/celeba --out celeba.safetensors --with-d --raw
            """);
        cmd.Arguments.Add(run);
        foreach (var o in new Option[] { format, outFile, withD, raw }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            TorchRuntime.EnsureLoaded();
            var r = ModelExport.Export(p.GetValue(run)!, p.GetValue(outFile)!, p.GetValue(withD), p.GetValue(raw));
            string weights = r.GeneratorWeights switch { "ema" => "the EMA of G", "raw" => "G's trained weights (not the EMA)", _ => "G" };
            Console.WriteLine($"wrote {weights} at step {r.Step} to {r.GeneratorPath} ({Naming(r.GeneratorNames)})");
            if (r.DiscriminatorPath is not null)
                Console.WriteLine($"wrote D to {r.DiscriminatorPath} ({Naming(r.DiscriminatorNames!)})");
            Console.WriteLine($"wrote the description to {r.SidecarPath}");
            return 0;
        });
        return cmd;
    }

    private static string Naming(string names) => names == ModelExport.PyTorchNaming
        ? $"{DcganPyTorchNames.Reference} names" : "GanSharp names, listed in the sidecar";
}
