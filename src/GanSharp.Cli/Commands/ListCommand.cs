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
        var cmd = new Command("list", "List models, architectures, presets, metrics and datasets; 'list options' lists every training option.");
        cmd.SetAction(_ =>
        {
            Section("Models:", GanFamilies.All.Values.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => (f.Name, f.Description)));
            Section("Architectures:", OptionCatalog.Default.Architectures());
            Section("Presets (--preset):", OptionLayers.Presets.Select(kv => (kv.Key, kv.Value.Description)));
            Section("Metrics (--metrics):", Metrics.MetricRegistry.All.Values.OrderBy(m => m.Name, StringComparer.Ordinal).Select(m => (m.Name, m.Description)));
            Section("Datasets (--data):", Datasets.Known.Concat(Datasets.Providers.Values.Select(p => (p.Name, p.Description))).ToList());
            Console.WriteLine($"Options: {OptionCatalog.Default.Options.Count} training options, see 'gansharp list options'");
            return 0;
        });
        var options = new Command("options", "List every training option: its flag (also its --config, sweep and options.json key), type, default and the models that use it.");
        options.SetAction(_ =>
        {
            Section("Options (gansharp train --FLAG; the same name is the key of --config files, sweep files and options.json):",
                OptionRows(OptionCatalog.Default));
            return 0;
        });
        cmd.Subcommands.Add(options);
        return cmd;
    }

    /// <summary>One row per option: the flag, and its help, type, default and families.</summary>
    public static IEnumerable<(string Name, string Description)> OptionRows(OptionCatalog catalog) =>
        catalog.Options.Select(s =>
        {
            string name = s.Positional ? s.Key : "--" + s.Flag + (s.FlagName is null ? "" : $" ({s.Key})");
            string dflt = s.Default is not null ? s.Default.ToJsonString() : s.Type == typeof(bool?) ? "auto" : "none";
            string families = s.Families is null ? "" : $"; only {string.Join(", ", s.Families)}";
            string where = s.Positional ? "; the model argument of 'train'" : "";
            return (name, $"{s.Description} [{s.TypeName()}; default {dflt}{families}{where}]");
        });

    /// <summary>A heading and its rows, the names padded to the section's longest one.</summary>
    private static void Section(string heading, IEnumerable<(string Name, string Description)> rows)
    {
        var list = rows.ToList();
        int width = list.Count == 0 ? 0 : list.Max(r => r.Name.Length);
        Console.WriteLine(heading);
        foreach (var (name, description) in list) Console.WriteLine($"  {name.PadRight(width)}  {description}");
    }
}
