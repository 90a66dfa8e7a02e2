using System.Text.Json.Nodes;
using GanSharp.Families;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Interop;

/// <summary>
/// Starts a new run from trained weights (`train … --init-from SOURCE`): a run directory or a .ckpt file gives every
/// network of the new system that the checkpoint also has (same name, same shapes), e.g. SRGAN's G from an SRResNet
/// run; a safetensors file gives G (the pytorch/examples DCGAN names or GanSharp's own). Optimizer state, step and
/// data position start fresh. The EMA, if on, restarts from the loaded weights.
/// </summary>
public static class InitFrom
{
    public const string ProvenanceFile = "init-from.json";

    /// <summary>Loads the weights into <paramref name="system"/>; returns the networks loaded.</summary>
    public static IReadOnlyList<string> Apply(GanSystem system, string source)
    {
        var loaded = new List<string>();
        if (File.Exists(source) && source.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            var arch = GanFamilies.Get(system.Options.Model).ResolveArch(system.Options, system.ExampleShape);
            Dictionary<string, Tensor> weights;
            if (DcganPyTorchNames.Blocks(arch) is not null)
            {
                using var g = ModelImport.ReadGenerator(source, arch, system.Options.WidthG);
                if (g.ZDim != system.Options.ZDim)
                    throw new ArgumentException($"--init-from '{source}' has z-dim {g.ZDim}, the run {system.Options.ZDim}: pass --z-dim {g.ZDim}");
                Trainer.LoadModule(system.G, "", g.Weights);
            }
            else
            {
                (weights, _) = SafeTensors.Load(source);
                try { Trainer.LoadModule(system.G, "", weights); }
                finally { foreach (var t in weights.Values) t.Dispose(); }
            }
            loaded.Add("G");
        }
        else
        {
            string path = RunDirectory.ResolveCheckpoint(source);
            var (_, tensors) = CheckpointFile.Load(path);
            try
            {
                foreach (var n in system.Networks)
                {
                    if (!tensors.Keys.Any(k => k.StartsWith(n.Name + ".", StringComparison.Ordinal))) continue;
                    Trainer.LoadModule(n.Module, n.Name + ".", tensors);
                    loaded.Add(n.Name);
                }
            }
            finally { foreach (var t in tensors.Values) t.Dispose(); }
            if (loaded.Count == 0)
                throw new CheckpointException($"--init-from '{path}' has none of this model's networks ({string.Join(", ", system.Networks.Select(n => n.Name))})");
        }
        system.WeightsChanged();
        if (system.Ema is { } ema && system.EmaNetwork is { } emaNet && loaded.Contains(emaNet))
            ema.CarryFrom(system.Network(emaNet).state_dict().ToDictionary(kv => kv.Key, kv => kv.Value));
        return loaded;
    }

    /// <summary>Records where a run's initial weights came from (init-from.json in the run directory).</summary>
    public static void WriteProvenance(string runRoot, string source, IReadOnlyList<string> networks) =>
        File.WriteAllText(Path.Combine(runRoot, ProvenanceFile), new JsonObject
        {
            ["source"] = Path.GetFullPath(source),
            ["networks"] = new JsonArray(networks.Select(n => (JsonNode)n).ToArray()),
        }.ToJsonString() + "\n");
}
