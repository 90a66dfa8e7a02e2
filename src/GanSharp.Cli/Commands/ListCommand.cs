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
            Section("Models:", GanFamilies.All.Values.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => (f.Name, f.Description)));
            Section("Architectures:", GanModels.Architectures);
            Section("Presets (--preset):", OptionLayers.Presets.Select(kv => (kv.Key, kv.Value.Description)));
            Section("Metrics (--metrics):", Metrics.MetricRegistry.All.Values.OrderBy(m => m.Name, StringComparer.Ordinal).Select(m => (m.Name, m.Description)));
            Section("Datasets (--data):", Datasets.Known.Concat(Datasets.Providers.Values.Select(p => (p.Name, p.Description))).ToList());
            return 0;
        });
        return cmd;
    }

    /// <summary>A heading and its rows, the names padded to the section's longest one.</summary>
    private static void Section(string heading, IEnumerable<(string Name, string Description)> rows)
    {
        var list = rows.ToList();
        int width = list.Count == 0 ? 0 : list.Max(r => r.Name.Length);
        Console.WriteLine(heading);
        foreach (var (name, description) in list) Console.WriteLine($"  {name.PadRight(width)}  {description}");
    }
}
