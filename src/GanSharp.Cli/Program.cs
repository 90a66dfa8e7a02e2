using System.CommandLine;
using GanSharp.Cli.Commands;

namespace GanSharp.Cli;

/// <summary>Entry point of `gansharp`.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var root = BuildRoot();
        return CliErrors.Run(() => root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
    }

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("""
    gansharp: train, sample and evaluate generative adversarial networks (TorchSharp, CPU).

    Examples:
      gansharp train dcgan --data mnist --out runs --name mnist-dcgan
      gansharp sample --checkpoint runs/mnist-dcgan --count 64 --out grid.png
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
        return root;
    }
}
