using GanSharp.Interop;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Interop;

public sealed class InitFromTests
{
    private static bool SameWeights(nn.Module a, nn.Module b) =>
        a.state_dict().All(kv => kv.Value.equal(b.state_dict()[kv.Key]).all().item<bool>());

    [Fact]
    public void ARunDirectoryGivesEverySharedNetworkAndASafetensorsFileGivesG()
    {
        using var data = TestUtil.TinyImages(64);
        using var tmp = new TestUtil.TempDir();
        using var source = TrainingRun.Create(TestUtil.TinyDcgan(3), data, tmp.Path, "src");
        Assert.True(source.Run());

        var o = TestUtil.TinyDcgan(3);
        o.Seed = 99; o.Ema = 0.5;
        using var fresh = GanFamilies.Create(o, data.ExampleShape, 10);
        fresh.Ema = new GeneratorEma(fresh.G, o.Ema);
        Assert.False(SameWeights(source.System.G, fresh.G));
        var loaded = InitFrom.Apply(fresh, Path.Combine(tmp.Path, "src"));
        Assert.Equal(new[] { "G", "D" }, loaded);
        Assert.True(SameWeights(source.System.G, fresh.G));
        Assert.True(SameWeights(source.System.D, fresh.D));
        // The average restarts from the loaded weights.
        Assert.All(fresh.Ema.State(), s => Assert.True(s.Value.equal(source.System.G.state_dict()[s.Name]).all().item<bool>()));

        string st = Path.Combine(tmp.Path, "g.safetensors");
        SafeTensors.Save(st, source.System.G.state_dict().Select(kv => (kv.Key, kv.Value)));
        using var other = GanFamilies.Create(o, data.ExampleShape, 10);
        Assert.Equal(new[] { "G" }, InitFrom.Apply(other, st));
        Assert.True(SameWeights(source.System.G, other.G));
        Assert.False(SameWeights(source.System.D, other.D));
    }

    [Fact]
    public void ACheckpointOfAnotherShapeIsRefusedClearly()
    {
        using var data = TestUtil.TinyImages(64);
        using var tmp = new TestUtil.TempDir();
        using (var source = TrainingRun.Create(TestUtil.TinyDcgan(1), data, tmp.Path, "src")) Assert.True(source.Run());
        var o = TestUtil.TinyDcgan(1);
        o.WidthG = 8;
        using var wider = GanFamilies.Create(o, data.ExampleShape, 10);
        var e = Assert.Throws<CheckpointException>(() => InitFrom.Apply(wider, Path.Combine(tmp.Path, "src")));
        Assert.Contains("has shape", e.Message);
    }
}
