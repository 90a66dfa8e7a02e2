using System.CommandLine;
using GanSharp.Data;
using GanSharp.Models;
using GanSharp.Training;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp list`: models, presets and datasets.</summary>
public static class ListCommand
{
    public static Command Create()
    {
        var cmd = new Command("list", "List models, architectures, presets and datasets.");
        cmd.SetAction(_ =>
        {
            Console.WriteLine("Models:");
            foreach (var f in GanFamilies.All.Values.OrderBy(f => f.Name, StringComparer.Ordinal)) Console.WriteLine($"  {f.Name,-8} {f.Description}");
            Console.WriteLine("Architectures:");
            foreach (var (n, d) in GanModels.Architectures) Console.WriteLine($"  {n,-8} {d}");
            Console.WriteLine("Presets (--preset):");
            foreach (var (n, p) in OptionLayers.Presets) Console.WriteLine($"  {n,-14} {p.Description}");
            Console.WriteLine("Metrics (--metrics):");
            foreach (var m in Metrics.MetricRegistry.All.Values.OrderBy(m => m.Name, StringComparer.Ordinal)) Console.WriteLine($"  {m.Name,-14} {m.Description}");
            Console.WriteLine("Datasets (--data):");
            foreach (var (n, d) in Datasets.Known) Console.WriteLine($"  {n,-14} {d}");
            return 0;
        });
        return cmd;
    }
}
