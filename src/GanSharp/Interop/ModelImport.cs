using GanSharp.Runs;
using GanSharp.Families;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Models;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Interop;

/// <summary>A generator read from safetensors, under GanSharp's state-dict names, with the sizes its shapes imply.</summary>
public sealed record ImportedGenerator(Dictionary<string, Tensor> Weights, string Arch, int ZDim, int Width, int Channels, int ImageSize, string Names)
    : IDisposable
{
    public void Dispose()
    {
        foreach (var t in Weights.Values) t.Dispose();
    }
}

/// <summary>
/// Brings a DCGAN generator written elsewhere (PyTorch's pytorch/examples names, or a GanSharp export) into
/// GanSharp: <see cref="ReadGenerator"/> gives its weights under our names; <see cref="CreateRun"/> makes a run
/// directory whose step-0 checkpoint holds them, which `sample` and `export` accept (D keeps its seeded init).
/// </summary>
public static class ModelImport
{
    public const string ProvenanceFile = "import.json";

    /// <summary>
    /// Reads G for <paramref name="arch"/> (dcgan32/dcgan64) and infers z-dim, width and channels from the shapes
    /// (main.0.weight is zDim × top × 4 × 4, top = width·2^(blocks−1); the last ConvT is c_in × channels × 4 × 4).
    /// Names, shapes and <paramref name="widthG"/> are checked against the network GanSharp builds.
    /// </summary>
    public static ImportedGenerator ReadGenerator(string file, string arch, int? widthG = null)
    {
        int blocks = DcganPyTorchNames.Blocks(arch)
            ?? throw new ArgumentException($"import supports --arch dcgan32 and dcgan64 (the pytorch/examples DCGAN), not '{arch}'");
        var map = DcganPyTorchNames.Generator(arch);
        var (tensors, _) = SafeTensors.Load(file);
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            string names;
            if (tensors.ContainsKey(map[0].Theirs)) names = ModelExport.PyTorchNaming;
            else if (tensors.ContainsKey(map[0].Ours)) names = ModelExport.GanSharpNaming;
            else
                throw new SafeTensorsException($"'{file}' holds no {arch} generator: it has neither '{map[0].Theirs}' (PyTorch names) nor '{map[0].Ours}' (GanSharp names); its first tensors are {Preview(tensors.Keys)}");
            var expected = map.Select(m => names == ModelExport.PyTorchNaming ? m.Theirs : m.Ours).ToHashSet(StringComparer.Ordinal);
            var missing = expected.Where(n => !tensors.ContainsKey(n)).ToList();
            var extra = tensors.Keys.Where(n => !expected.Contains(n)).ToList();
            if (missing.Count > 0 || extra.Count > 0)
                throw new SafeTensorsException($"'{file}' is not a {arch} generator state dict: " +
                    (missing.Count > 0 ? $"missing {Preview(missing)}" : "") + (missing.Count > 0 && extra.Count > 0 ? "; " : "") +
                    (extra.Count > 0 ? $"unexpected {Preview(extra)}" : "") +
                    (names == ModelExport.PyTorchNaming ? " (check --arch: dcgan64's G is main.0 … main.12, dcgan32's main.0 … main.9)" : ""));
            foreach (var m in map)
            {
                string key = names == ModelExport.PyTorchNaming ? m.Theirs : m.Ours;
                weights[m.Ours] = tensors[key];
                tensors.Remove(key);
            }

            var first = weights[map[0].Ours];
            var last = weights[map[^1].Ours];
            if (first.dim() != 4 || last.dim() != 4)
                throw new SafeTensorsException($"'{file}': '{map[0].Theirs}' and '{map[^1].Theirs}' must be 4-D transposed-convolution weights, have shapes [{string.Join(",", first.shape)}] and [{string.Join(",", last.shape)}]");
            int zDim = (int)first.shape[0];
            long top = first.shape[1];
            int width = (int)(top >> (blocks - 1));
            int channels = (int)last.shape[1];
            if (width <= 0 || (long)width << (blocks - 1) != top)
                throw new SafeTensorsException($"'{file}': the first layer has {top} output channels, not width·{1 << (blocks - 1)} as {arch} needs");
            if (widthG is { } w && w != width)
                throw new ArgumentException($"--width-g {w} does not match '{file}', whose generator has width {width} ('{map[0].Theirs}' is [{string.Join(",", first.shape)}]): drop --width-g or pass {width}");
            int size = blocks == 4 ? 64 : 32;

            // Shapes against the network we build for these sizes (catches e.g. a 32×32 file passed as dcgan64).
            using (var scope = NewDisposeScope())
            {
                var g = DcGan.Generator(size, zDim, channels, width);
                var want = g.state_dict();
                foreach (var m in map)
                {
                    var have = weights[m.Ours];
                    if (!have.shape.SequenceEqual(want[m.Ours].shape))
                        throw new SafeTensorsException($"'{file}': tensor '{(names == ModelExport.PyTorchNaming ? m.Theirs : m.Ours)}' has shape [{string.Join(",", have.shape)}], {arch} with z-dim {zDim}, width {width} and {channels} channels needs [{string.Join(",", want[m.Ours].shape)}]");
                    if (have.dtype != want[m.Ours].dtype)
                        weights[m.Ours] = Convert(have, want[m.Ours].dtype);
                }
                g.Dispose();
            }
            return new ImportedGenerator(weights, arch, zDim, width, channels, size, names);
        }
        catch
        {
            foreach (var t in weights.Values) t.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>A float16/bfloat16/float64 file (or int32 counters) converted to the network's dtype.</summary>
    private static Tensor Convert(Tensor t, ScalarType type)
    {
        var c = t.to_type(type).DetachFromDisposeScope();
        t.Dispose();
        return c;
    }

    private static string Sha256(string file)
    {
        using var fs = File.OpenRead(file);
        return System.Convert.ToHexStringLower(SHA256.HashData(fs));
    }

    private static string Preview(IEnumerable<string> names)
    {
        var list = names.Take(6).Select(n => $"'{n}'").ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list) + (names.Skip(6).Any() ? ", …" : "");
    }

    /// <summary>
    /// Makes run directory <paramref name="runDir"/> (which must not exist or be empty) for `model` dcgan with G
    /// from <paramref name="file"/>: options.json, a step-0 checkpoint (D initialized from <paramref name="seed"/>)
    /// and import.json recording the source. D's width is <paramref name="widthD"/>, by default G's (ndf = ngf,
    /// as in pytorch/examples). Returns the checkpoint's path.
    /// </summary>
    public static string CreateRun(string file, string runDir, string model = "dcgan", string arch = "dcgan64", int? widthG = null,
        int threads = 0, long seed = 1, int? widthD = null, Action<string>? log = null)
    {
        if (model != "dcgan")
            throw new ArgumentException($"import supports --model dcgan (the pytorch/examples DCGAN), not '{model}'");
        string full = Path.GetFullPath(runDir).TrimEnd(Path.DirectorySeparatorChar);
        string parent = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{runDir}' cannot be a run directory");
        string name = Path.GetFileName(full);
        if (RunDirectory.HoldsRun(full))
            throw new ArgumentException($"--out '{runDir}' already holds files (a run?): it must not exist or be empty; choose another --out");
        using var g = ReadGenerator(file, arch, widthG);
        var options = new GanOptions
        {
            Model = model, Arch = arch, Data = "imported", ZDim = g.ZDim, WidthG = g.Width, WidthD = widthD ?? g.Width, Channels = g.Channels, Size = g.ImageSize,
            Threads = threads, Seed = seed,
        };
        // The trainer needs a dataset of the right shape and one batch; nothing is trained on it.
        using var data = new TensorDataset("imported", zeros(new long[] { options.Batch, g.Channels, g.ImageSize, g.ImageSize }, ScalarType.Byte));
        using var run = TrainingRun.Create(options, data, parent, name, log);
        Trainer.LoadModule(run.System.G, "", g.Weights);
        run.System.WeightsChanged();
        string checkpoint = run.Directory.SaveCheckpoint(run.Trainer, options.Keep);
        var provenance = new JsonObject
        {
            ["source"] = Path.GetFullPath(file),
            ["sha256"] = Sha256(file),
            ["names"] = g.Names,
            ["arch"] = arch,
            ["z-dim"] = g.ZDim,
            ["width-g"] = g.Width,
            ["channels"] = g.Channels,
            ["image-size"] = g.ImageSize,
            ["note"] = "G comes from the source file; D is GanSharp's initialization for seed " + seed,
            ["gansharp-version"] = ModelExport.GanSharpVersion,
        };
        RunDirectory.AtomicWrite(Path.Combine(run.Directory.Root, ProvenanceFile), provenance.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        return checkpoint;
    }
}
