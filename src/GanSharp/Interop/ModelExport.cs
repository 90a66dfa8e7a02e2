using GanSharp.Runs;
using GanSharp.Families;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Models;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Interop;

/// <summary>What <see cref="ModelExport.Export"/> wrote.</summary>
/// <param name="GeneratorPath">G's safetensors file.</param>
/// <param name="DiscriminatorPath">D's file (NAME.D.safetensors), when D was exported.</param>
/// <param name="SidecarPath">The JSON description (NAME.json).</param>
/// <param name="GeneratorNames">"pytorch" (the reference implementation's names) or "gansharp" (our state-dict names).</param>
/// <param name="GeneratorWeights">"ema" (the moving average), "raw" (the trained weights of a run with EMA) or "trained" (no EMA in the run).</param>
/// <param name="DiscriminatorNames">D's naming, when D was exported.</param>
/// <param name="Step">The checkpoint's training step.</param>
public sealed record ExportResult(
    string GeneratorPath, string? DiscriminatorPath, string SidecarPath,
    string GeneratorNames, string? DiscriminatorNames, string GeneratorWeights, int Step);

/// <summary>
/// Exports a checkpoint's networks to safetensors for use outside GanSharp. dcgan32/dcgan64 networks that match
/// pytorch/examples' DCGAN get its state-dict names (<see cref="DcganPyTorchNames"/>), so
/// <c>netG.load_state_dict(safetensors.torch.load_file(path))</c> loads them; every other network keeps its
/// GanSharp state-dict names, listed with their shapes in the JSON sidecar, which also records the architecture,
/// z-dim, widths, channels, image size, family and GanSharp version.
/// </summary>
public static class ModelExport
{
    public const string PyTorchNaming = "pytorch";
    public const string GanSharpNaming = "gansharp";

    /// <summary>The sidecar of an export to <paramref name="outPath"/>: the same name with .json.</summary>
    public static string SidecarPath(string outPath) => Path.ChangeExtension(outPath, ".json");

    /// <summary>Where D goes with <c>withD</c>: NAME.D.safetensors beside NAME.safetensors (a PyTorch state dict per network).</summary>
    public static string DiscriminatorPath(string outPath) => Path.ChangeExtension(outPath, null) + ".D.safetensors";

    /// <summary>
    /// Writes G of a checkpoint (or a run directory's latest) to <paramref name="outPath"/>: with EMA in the
    /// checkpoint its moving average unless <paramref name="raw"/>; with <paramref name="withD"/> D as well.
    /// </summary>
    public static ExportResult Export(string checkpointOrRun, string outPath, bool withD = false, bool raw = false)
    {
        if (!outPath.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"the export file must end in .safetensors (got '{outPath}')");
        string path = RunDirectory.ResolveCheckpoint(checkpointOrRun);
        var (header, tensors) = CheckpointFile.Load(path);
        try
        {
            if (header["format"]?.GetValue<string>() != "gansharp-checkpoint")
                throw new CheckpointException($"'{path}' is not a GanSharp training checkpoint");
            var info = CheckpointInfo.From(header, path);
            bool hasEma = tensors.Keys.Any(k => k.StartsWith("Gema.", StringComparison.Ordinal));
            string weights = hasEma ? raw ? "raw" : "ema" : "trained";
            var g = Strip(tensors, hasEma && !raw ? "Gema." : "G.");
            var d = Strip(tensors, "D.");

            var gMap = info.Family == "dcgan" && DcganPyTorchNames.Blocks(info.Arch) is not null && !info.Options.VirtualBatchNorm
                ? DcganPyTorchNames.Match(DcganPyTorchNames.Generator(info.Arch), g.Select(t => t.Name)) : null;
            var sidecar = info.Describe(path);
            var gNode = WriteNetwork(outPath, g, gMap, info, "G");
            gNode["weights"] = weights;
            sidecar["generator"] = gNode;

            string? dPath = null;
            string? dNaming = null;
            if (withD)
            {
                dPath = DiscriminatorPath(outPath);
                var head = d.FirstOrDefault(t => t.Name == "head.weight").Value;
                var dMap = info.Family == "dcgan" && DcganPyTorchNames.Blocks(info.Arch) is not null && head is { } h && h.dim() == 2 && h.shape[1] % 16 == 0
                    ? DcganPyTorchNames.Match(DcganPyTorchNames.Discriminator(info.Arch, h.shape[1] / 16), d.Select(t => t.Name)) : null;
                var dNode = WriteNetwork(dPath, d, dMap, info, "D");
                dNaming = dNode["names"]!.GetValue<string>();
                sidecar["discriminator"] = dNode;
            }
            RunDirectory.AtomicWrite(SidecarPath(outPath), sidecar.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            return new ExportResult(outPath, dPath, SidecarPath(outPath), gNode["names"]!.GetValue<string>(), dNaming, weights, info.Step);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static List<(string Name, Tensor Value)> Strip(Dictionary<string, Tensor> tensors, string prefix) =>
        tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(kv => (kv.Key[prefix.Length..], kv.Value)).ToList();

    /// <summary>Writes one network's tensors (renamed and reshaped by <paramref name="map"/> when given); returns its sidecar entry.</summary>
    private static JsonObject WriteNetwork(string file, List<(string Name, Tensor Value)> ours, IReadOnlyList<NameMapping>? map,
        CheckpointInfo info, string which)
    {
        using var scope = NewDisposeScope(); // the reshaped head views
        var byName = ours.ToDictionary(t => t.Name, t => t.Value, StringComparer.Ordinal);
        var rows = map is null
            ? ours.Select(t => (Theirs: t.Name, Ours: t.Name, Value: t.Value)).ToList()
            : map.Select(m => (Theirs: m.Theirs, Ours: m.Ours, Value: m.TheirShape is { } s ? byName[m.Ours].reshape(s) : byName[m.Ours])).ToList();
        string naming = map is null ? GanSharpNaming : PyTorchNaming;
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["gansharp"] = $"{info.Family} {info.Arch} {which} step {info.Step}",
            ["names"] = naming == PyTorchNaming ? DcganPyTorchNames.Reference : "gansharp state-dict names",
        };
        SafeTensors.Save(file, rows.Select(r => (r.Theirs, r.Value)), metadata);

        var node = new JsonObject
        {
            ["file"] = Path.GetFileName(file),
            ["names"] = naming,
            ["naming"] = naming == PyTorchNaming
                ? $"the state dict of {DcganPyTorchNames.Reference} {(which == "G" ? "Generator" : "Discriminator")} ('main.<index>.<tensor>'); 'gansharp' gives each tensor's GanSharp name"
                : "GanSharp's own state-dict names (module paths of the network GanSharp builds from 'options'); no PyTorch reference implementation exists for this network",
        };
        if (naming == PyTorchNaming) node["reference"] = which == "G"
            ? $"Generator(nz={info.Options.ZDim}, ngf={info.Options.WidthG}, nc={info.Channels}) for {info.ImageSize}x{info.ImageSize} images"
            : $"Discriminator(ndf={info.Options.WidthD}, nc={info.Channels}) for {info.ImageSize}x{info.ImageSize} images";
        node["input"] = which == "G"
            ? naming == PyTorchNaming
                ? $"z of shape N x {info.Options.ZDim} x 1 x 1 ({info.Options.Prior.ToString().ToLowerInvariant()} prior); GanSharp's G takes N x {info.Options.ZDim}"
                : $"z of shape N x {info.Options.ZDim} ({info.Options.Prior.ToString().ToLowerInvariant()} prior)"
            : $"N x {string.Join(" x ", info.ExampleShape)} in [-1, 1]";
        node["output"] = which == "G"
            ? $"N x {string.Join(" x ", info.ExampleShape)}" + (info.ExampleShape.Length == 3 ? " images in [-1, 1] (tanh)" : "")
            : info.Options.Loss == Losses.LossKind.Gan
                ? "one logit per example (the reference ends in a Sigmoid, which has no weights: apply it to compare)"
                : $"one critic value per example (loss {info.Options.Loss.ToString().ToLowerInvariant()})";
        node["tensors"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
        {
            ["name"] = r.Theirs,
            ["gansharp"] = r.Ours,
            ["dtype"] = SafeTensors.FromScalarType(r.Value.dtype),
            ["shape"] = new JsonArray(r.Value.shape.Select(s => (JsonNode)s).ToArray()),
        }).ToArray());
        return node;
    }

    /// <summary>The checkpoint header's description of the model.</summary>
    private sealed record CheckpointInfo(string Family, string Arch, int Step, int NumClasses, long[] ExampleShape, GanOptions Options, JsonObject OptionsJson)
    {
        public int Channels => ExampleShape.Length == 3 ? (int)ExampleShape[0] : 0;
        public int ImageSize => ExampleShape.Length == 3 ? (int)ExampleShape[1] : 0;

        public static CheckpointInfo From(JsonObject header, string path)
        {
            try
            {
                var optionsJson = header["options"]!.AsObject();
                return new CheckpointInfo(
                    header["family"]!.GetValue<string>(), header["arch"]!.GetValue<string>(), header["step"]!.GetValue<int>(),
                    header["num-classes"]?.GetValue<int>() ?? 0,
                    header["example-shape"]!.AsArray().Select(n => n!.GetValue<long>()).ToArray(),
                    GanOptions.FromJson(optionsJson.ToJsonString()), optionsJson);
            }
            catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException)
            {
                throw new CheckpointException($"checkpoint '{path}' has an invalid header ({e.Message})");
            }
        }

        public JsonObject Describe(string checkpoint) => new()
        {
            ["format"] = "gansharp-export",
            ["version"] = 1,
            ["gansharp-version"] = GanSharpVersion,
            ["source-checkpoint"] = Path.GetFullPath(checkpoint),
            ["step"] = Step,
            ["family"] = Family,
            ["arch"] = Arch,
            ["architecture"] = GanModels.Architectures.FirstOrDefault(a => a.Name == Arch).Description ?? Arch,
            ["z-dim"] = Options.ZDim,
            ["prior"] = Options.Prior.ToString().ToLowerInvariant(),
            ["width-g"] = Options.WidthG,
            ["width-d"] = Options.WidthD,
            ["channels"] = Channels,
            ["image-size"] = ImageSize,
            ["example-shape"] = new JsonArray(ExampleShape.Select(s => (JsonNode)s).ToArray()),
            ["num-classes"] = NumClasses,
            ["options"] = OptionsJson.DeepClone(),
        };
    }

    /// <summary>The library's informational version (with the commit when the build embedded one).</summary>
    public static string GanSharpVersion =>
        typeof(ModelExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ModelExport).Assembly.GetName().Version?.ToString() ?? "unknown";
}
