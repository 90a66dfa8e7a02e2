using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Interop;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Interop;

/// <summary>
/// The hand-off to PyTorch DistributedDataParallel (docs/scale.md, examples/ddp/train_ddp.py): a dcgan64 exported
/// at the reference configuration has exactly the state dicts of pytorch/examples dcgan/main.py, whose names,
/// dtypes and shapes are listed in the committed examples/ddp/reference-state-dict.json, so the example script's
/// load_state_dict(strict=True) takes it.
/// </summary>
public class DdpHandOffTests
{
    [Fact]
    public void ExportedDcgan64MatchesTheReferenceStateDictsNameForNameAndShapeForShape()
    {
        var reference = JsonNode.Parse(File.ReadAllText(Path.Combine(TestUtil.RepoRoot(), "examples", "ddp", "reference-state-dict.json")))!;
        var cfg = reference["gansharp"]!;
        set_num_threads(1);
        using var tmp = new TestUtil.TempDir();
        using var g = new Generator(1);
        using var data = new TensorDataset("tiny64", randint(0, 256, new long[] { 4, cfg["channels"]!.GetValue<int>(), 64, 64 }, ScalarType.Byte, generator: g));
        var o = new GanOptions
        {
            Model = cfg["model"]!.GetValue<string>(), Arch = cfg["arch"]!.GetValue<string>(), Data = "tiny64", Steps = 1, Batch = 2,
            ZDim = cfg["z-dim"]!.GetValue<int>(), WidthG = cfg["width-g"]!.GetValue<int>(), WidthD = cfg["width-d"]!.GetValue<int>(),
            Threads = 1, LogEvery = 1, SampleEvery = 1000, CheckpointEvery = 1000, SampleCount = 2, Seed = 1,
        };
        using (var run = TrainingRun.Create(o, data, tmp.Path, "r")) Assert.True(run.Run());
        string file = Path.Combine(tmp.Path, "net.safetensors");
        var r = ModelExport.Export(Path.Combine(tmp.Path, "r"), file, withD: true);

        AssertSameEntries(reference["generator"]!.AsObject(), SafeTensors.ReadHeader(file), "G");
        AssertSameEntries(reference["discriminator"]!.AsObject(), SafeTensors.ReadHeader(r.DiscriminatorPath!), "D");
    }

    private static void AssertSameEntries(JsonObject expected, SafeTensorsHeader actual, string net)
    {
        var ours = actual.Entries.ToDictionary(e => e.Name);
        var missing = expected.Select(kv => kv.Key).Where(k => !ours.ContainsKey(k)).ToList();
        var extra = ours.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0, $"{net}: missing {string.Join(", ", missing)}; extra {string.Join(", ", extra)}");
        foreach (var (name, e) in expected)
        {
            string shape = string.Join(",", e!["shape"]!.AsArray().Select(v => v!.GetValue<long>()));
            Assert.Equal((name, e["dtype"]!.GetValue<string>(), shape), (name, ours[name].DType, string.Join(",", ours[name].Shape)));
        }
    }
}
