using GanSharp.Families.Synthetic;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.Synthetic;

public class SimGanTests
{
    public SimGanTests() => set_num_threads(1);

    /// <summary>Images whose every pixel is their id (1×2×2 each).</summary>
    private static Tensor Ids(params float[] ids) => tensor(ids).reshape(-1, 1, 1, 1).expand(-1, 1, 2, 2).contiguous();

    private static float[] IdsOf(Tensor images) => images.select(2, 0).select(2, 0).flatten().data<float>().ToArray();

    [Fact]
    public void BufferFillsThenReplacesHalfABatchAtRandom()
    {
        using var g = new Generator(7);
        using var buffer = new RefinedHistoryBuffer(6, g);
        // Empty buffer: D sees the current batch unchanged; half of it (ids 1, 2) is stored.
        var first = buffer.Mix(Ids(1, 2, 3, 4));
        Assert.Equal([1f, 2f, 3f, 4f], IdsOf(first));
        Assert.Equal(2, buffer.Count);
        Assert.Equal([1f, 2f], IdsOf(buffer.State()));
        // Next batch: first half current (11, 12), second half two distinct stored ones (1 and 2 in some order).
        var second = buffer.Mix(Ids(11, 12, 13, 14));
        var ids = IdsOf(second);
        Assert.Equal([11f, 12f], ids[..2]);
        Assert.Equal([1f, 2f], ids[2..].OrderBy(x => x).ToArray());
        Assert.Equal(4, buffer.Count);
        buffer.Mix(Ids(21, 22, 23, 24));
        Assert.Equal(6, buffer.Count);
        Assert.Equal([1f, 2f, 11f, 12f, 21f, 22f], IdsOf(buffer.State()));
        // Full: exactly two slots change, to the new ids 31 and 32; the other four are kept.
        var before = IdsOf(buffer.State());
        var mixed = IdsOf(buffer.Mix(Ids(31, 32, 33, 34)));
        var after = IdsOf(buffer.State());
        Assert.Equal(6, buffer.Count);
        Assert.Equal(2, before.Zip(after).Count(p => p.First != p.Second));
        Assert.Equal([31f, 32f], after.Where(x => x > 30).OrderBy(x => x).ToArray());
        Assert.All(mixed[2..], x => Assert.Contains(x, before));                 // sampled before the push
        Assert.Equal(2, mixed[2..].Distinct().Count());
    }

    [Fact]
    public void BufferStateRoundTripsAndTheSameGeneratorStateRepeatsTheDraws()
    {
        using var g = new Generator(3);
        using var a = new RefinedHistoryBuffer(8, g);
        for (int i = 0; i < 5; i++) a.Mix(randn(4, 1, 3, 3, generator: g));
        var state = a.State();
        var rngState = g.get_state();
        var x = randn(4, 1, 3, 3);
        var fromA = a.Mix(x);

        using var g2 = new Generator(99);
        g2.set_state(rngState);
        using var b = new RefinedHistoryBuffer(8, g2);
        b.Load(state);
        var fromB = b.Mix(x);
        Assert.True(fromA.equal(fromB).all().item<bool>());
        Assert.True(a.State().equal(b.State()).all().item<bool>());
        Assert.Throws<ArgumentException>(() => new RefinedHistoryBuffer(2, g2).Load(state));
    }

    [Fact]
    public void SelfRegularizationIsZeroForTheIdentityAndL1Otherwise()
    {
        var x = randn(3, 1, 4, 4);
        Assert.Equal(0f, SimGanLosses.SelfRegularization(x, x, 0.5).item<float>());
        // Hand-computed: two images, |diff| sums 4·1 and 4·3 → mean 8, times λ 0.25 = 2.
        var synth = zeros(2, 1, 2, 2);
        var refined = cat([full(1, 1, 2, 2, 1f), full(1, 1, 2, 2, -3f)], 0);
        Assert.Equal(2f, SimGanLosses.SelfRegularization(refined, synth, 0.25).item<float>(), 5);
    }

    [Fact]
    public void LocalAdversarialSumsOverPatches()
    {
        // Logit 0 everywhere: each patch costs ln 2, 7×7 = 49 patches per image.
        var map = zeros(3, 1, 7, 7);
        Assert.Equal(49 * Math.Log(2), SimGanLosses.LocalAdversarial(map, real: true).item<float>(), 4);
        var confident = full(2, 1, 7, 7, 20f);
        Assert.True(SimGanLosses.LocalAdversarial(confident, real: true).item<float>() < 1e-5);
        Assert.True(SimGanLosses.LocalAdversarial(confident, real: false).item<float>() > 49 * 19);
    }

    [Fact]
    public void RefinerKeepsTheSizeAndDiscriminatorGivesAPatchMap()
    {
        using var r = new Refiner(channels: 1, width: 8, blocks: 2);
        var x = rand(2, 1, 28, 28) * 2 - 1;
        var y = r.forward(x);
        Assert.Equal(x.shape, y.shape);
        Assert.True(y.abs().max().item<float>() <= 1);
        using var d = new LocalDiscriminator(1, width: 8);
        Assert.Equal(new long[] { 2, 1, 7, 7 }, d.forward(x).shape);
        var p = d.ProbabilityMap(x);
        Assert.True(p.min().item<float>() >= 0 && p.max().item<float>() <= 1);
        using var d64 = new LocalDiscriminator(3, width: 8);
        Assert.Equal(new long[] { 1, 1, 16, 16 }, d64.forward(rand(1, 3, 64, 64)).shape);
        using var dGlobal = new LocalDiscriminator(1, width: 8, global: true);
        Assert.Equal(new long[] { 2, 1, 1, 1 }, dGlobal.forward(x).shape);
    }
}
