using System.CommandLine;
using GanSharp.Cli.Commands;

namespace GanSharp.Cli;

/// <summary>Entry point of `gansharp`.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var root = BuildRoot();
        return CliErrors.Run(() =>
        {
            var parse = root.Parse(args);
            // One line with the valid choices instead of every error plus the whole help text. Help requests and
            // directives ([suggest:N] for shell completion) parse with "errors" and keep their own behaviour.
            if (parse.Errors.Count > 0 && !AsksForHelp(args) && !(args.Length > 0 && args[0].StartsWith('[')))
            {
                Console.Error.WriteLine($"error: {ParseErrors.OneLine(parse)}");
                return CliErrors.BadInput;
            }
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        });
    }

    private static bool AsksForHelp(string[] args) => args.Any(a => a is "-h" or "--help" or "-?" or "/?" or "/h");

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("""
    gansharp: train, sample and evaluate generative adversarial networks (TorchSharp, CPU).

    Examples:
      gansharp train dcgan --data mnist --out runs --name mnist-dcgan
      gansharp sample --checkpoint runs/mnist-dcgan --count 64 --out grid.png
      gansharp translate --checkpoint runs/edges in.png --out out.png
      gansharp text2img --checkpoint runs/gan-cls "a large red circle on the left" --out grid.png
      gansharp train dcgan --resume runs/mnist-dcgan --steps 4000
      gansharp list
    """);
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(ListCommand.Create());
        root.Subcommands.Add(ClassifierCommand.Create());
        root.Subcommands.Add(LatentCommand.Create());
        root.Subcommands.Add(AttackCommand.Create());
        root.Subcommands.Add(SweepCommand.Create());
        root.Subcommands.Add(SemisupCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(TranslateCommand.Create());
        root.Subcommands.Add(CompareCommand.Create());
        root.Subcommands.Add(Text2ImgCommand.Create());
        root.Subcommands.Add(FeatnetCommand.Create());
        root.Subcommands.Add(UpscaleCommand.Create());
        root.Subcommands.Add(EvalSrCommand.Create());
        root.Subcommands.Add(RefineCommand.Create());
        root.Subcommands.Add(DigitsCommand.Create());
        root.Subcommands.Add(HeadsCommand.Create());
        root.Subcommands.Add(FrontalizeCommand.Create());
        root.Subcommands.Add(EvalPix2PixCommand.Create());
        root.Subcommands.Add(BlasCommand.Create());
        root.Subcommands.Add(CompletionCommand.Create());
        VersionInfo.Install(root);
        return root;
    }
}
