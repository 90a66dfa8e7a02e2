using System.CommandLine;
using GanSharp.Interop;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp import`: a run directory from a generator saved as safetensors (e.g. by PyTorch).</summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "A .safetensors generator state dict (pytorch/examples DCGAN names, or a GanSharp export)" };
        var model = new Option<string>("--model") { Description = "Model family of the weights", DefaultValueFactory = _ => "dcgan" };
        model.AcceptOnlyFromAmong("dcgan");
        var arch = new Option<string>("--arch") { Description = "Architecture of G", DefaultValueFactory = _ => "dcgan64" };
        arch.AcceptOnlyFromAmong("dcgan32", "dcgan64");
        var widthG = new Option<int?>("--width-g") { Description = "G's width (ngf); checked against the file, which implies it" };
        var widthD = new Option<int?>("--width-d") { Description = "D's width (ndf) for the new run; default G's width" };
        var outDir = new Option<string>("--out") { Description = "The run directory to create (must not exist or be empty)", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of D's initialization (D is not in the file)", DefaultValueFactory = _ => 1 };
        var cmd = new Command("import", """
            Make a run directory from a generator saved as safetensors: options.json, a step-0 checkpoint that
            'sample' and 'export' accept, and import.json recording the source file. z-dim, width and channels come
            from the tensor shapes.

            Examples:
              gansharp import netG.safetensors --model dcgan --arch dcgan64 --out runs/from-pytorch
              gansharp sample --checkpoint runs/from-pytorch --count 64 --out grid.png
            """);
        cmd.Arguments.Add(file);
        foreach (var o in new Option[] { model, arch, widthG, widthD, outDir, seed }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            TorchRuntime.EnsureLoaded();
            string source = p.GetValue(file)!, run = p.GetValue(outDir)!;
            string checkpoint = ModelImport.CreateRun(source, run, p.GetValue(model)!, p.GetValue(arch)!, p.GetValue(widthG), seed: p.GetValue(seed), widthD: p.GetValue(widthD));
            Console.WriteLine($"imported G from {source} into {run} ({checkpoint})");
            Console.WriteLine($"next: gansharp sample --checkpoint {run} --count 64 --out grid.png");
            return 0;
        });
        return cmd;
    }
}
