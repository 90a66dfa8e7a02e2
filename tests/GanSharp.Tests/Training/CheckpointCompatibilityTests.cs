using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Models;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Training;

/// <summary>
/// Checkpoints written before the engine refactor (header version 1: networks G and D, opt-g-steps / opt-d-steps),
/// committed under TestData/checkpoints-v1, made with commit 076e532's CLI:
/// `train mlp --data ring --arch mlp --steps 3 --batch 32 --width-g 8 --width-d 8 --z-dim 4 --threads 1` and
/// `train dcgan --data FOLDER --size 32 --channels 1 --steps 2 --batch 8 --width-g 4 --width-d 4 --z-dim 8
/// --threads 1 --ema 0.9` (24 generated 32×32 PNGs), plus `sample --count 4 --seed 5` of the latter.
/// </summary>
public sealed class CheckpointCompatibilityTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", "checkpoints-v1", name);

    [Fact]
    public void AVersion1CheckpointSamplesExactlyAsBefore()
    {
        using var tmp = new TestUtil.TempDir();
        string png = Path.Combine(tmp.Path, "s.png");
        var (code, _, err) = TestUtil.RunCli("sample", "--checkpoint", Fixture("dcgan32-ema-v1.ckpt"), "--count", "4", "--seed", "5", "--out", png);
        Assert.True(code == 0, err);
        var expected = GanSharp.Imaging.ImageFile.Load(Fixture("dcgan32-ema-v1.sample-seed5.png"));
        var actual = GanSharp.Imaging.ImageFile.Load(png);
        Assert.Equal(expected.Pixels, actual.Pixels);
    }

    [Fact]
    public void AVersion1CheckpointResumesTraining()
    {
        var (json, tensors) = CheckpointFile.Load(Fixture("mlp-v1.ckpt"));
        try
        {
            Assert.Equal(1, json["version"]!.GetValue<int>());
            var header = CheckpointHeader.Parse(json, "mlp-v1.ckpt");
            Assert.Equal(new long[] { 3, 3 }, new[] { header.OptimizerSteps["G"], header.OptimizerSteps["D"] });
            var options = GanOptions.FromJson(header.Options.ToJsonString());
            using var data = GaussianMixture2D.Ring(256, 1);
            set_num_threads(1);
            using var system = GanFamilies.Create(options, data.ExampleShape, 0);
            using var trainer = new Trainer(system, data);
            trainer.RestoreState(json, tensors);
            Assert.Equal(3, trainer.Step);
            Assert.True(system.G.named_parameters().All(p => p.parameter.equal(tensors["G." + p.name]).all().item<bool>()));
            var s = trainer.TrainStep();
            Assert.Equal(4, s.Step);
            Assert.True(double.IsFinite(s.LossD) && double.IsFinite(s.LossG));
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [Fact]
    public void ANewerVersionIsRefusedClearly()
    {
        var (json, tensors) = CheckpointFile.Load(Fixture("mlp-v1.ckpt"));
        foreach (var t in tensors.Values) t.Dispose();
        json["version"] = 3;
        var e = Assert.Throws<CheckpointException>(() => CheckpointHeader.Parse(json, "x.ckpt"));
        Assert.Equal("'x.ckpt' was written by a newer GanSharp (checkpoint version 3; this one reads 1 to 2): upgrade GanSharp", e.Message);
    }

    [Fact]
    public void TheVersion2HeaderRoundTrips()
    {
        var h = new CheckpointHeader
        {
            Family = "toy", Arch = "a", Step = 7, NumClasses = 3, ExampleShape = new long[] { 1, 8, 8 }, Epoch = 2, Cursor = 16,
            Networks = new[] { new CheckpointHeader.NetworkInfo("G", true), new CheckpointHeader.NetworkInfo("F", false) },
            OptimizerSteps = new Dictionary<string, long> { ["G"] = 7, ["D"] = 14 },
            FamilyState = new JsonObject { ["resolution"] = 16 }, Seconds = 1.5, Options = new JsonObject { ["model"] = "toy" },
        };
        var back = CheckpointHeader.Parse(JsonNode.Parse(h.ToJson().ToJsonString())!.AsObject(), "h");
        Assert.Equal(h.ToJson().ToJsonString(), back.ToJson().ToJsonString());
        Assert.Equal(16, back.FamilyState!["resolution"]!.GetValue<int>());
    }
}
