using GanSharp.Families.Progressive;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.Progressive;

public class ProgressiveNetworksTests
{
    static readonly ProgressiveConfig Tiny = new(Channels: 3, LatentDim: 8, FmapBase: 32, FmapMax: 8);

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.equal(b).all().item<bool>();

    static void Perturb(nn.Module m, string prefix)
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in m.named_parameters())
            if (name.StartsWith(prefix)) p.add_(1);
    }

    [Fact]
    public void FadeInIsExactlyTheOldPathAtZeroAndTheNewPathAtOne()
    {
        using var scope = NewDisposeScope();
        var old = randn(new long[] { 2, 3, 4, 4 }, generator: new Generator(1));
        var next = randn(new long[] { 2, 3, 4, 4 }, generator: new Generator(2));
        Assert.True(Same(ProgressiveOps.FadeIn(old, next, 0), old));
        Assert.True(Same(ProgressiveOps.FadeIn(old, next, 1), next));
        Assert.True(allclose(ProgressiveOps.FadeIn(old, next, 0.3), old * 0.7 + next * 0.3, 1e-6, 1e-6));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProgressiveOps.FadeIn(old, next, 1.5));
    }

    [Fact]
    public void GeneratorFadeInStartsAsThePreviousOutputUpsampledAndEndsAsTheNewBlock()
    {
        using var scope = NewDisposeScope();
        set_num_threads(1);
        using var g8 = new ProgressiveGenerator(Tiny, 8, new Generator(3));
        var z = randn(new long[] { 4, 8 }, generator: new Generator(4));
        var before = g8.forward(z);                                                    // 4 × 3 × 8 × 8
        Assert.Equal(new long[] { 4, 3, 8, 8 }, before.shape);

        using var g16 = g8.Grow(new Generator(5));
        Assert.Equal(16, g16.Resolution);
        Assert.Equal(0.0, g16.Alpha);
        var atZero = g16.forward(z);
        Assert.Equal(new long[] { 4, 3, 16, 16 }, atZero.shape);
        Assert.True(Same(atZero, ProgressiveOps.Upsample2x(before)));                   // the old path exactly
        Assert.True(Same(atZero[.., .., 0, 1], before[.., .., 0, 0]));                  // nearest: 2×2 copies

        g16.Alpha = 1;
        var atOne = g16.forward(z);
        g16.Alpha = 0.25;
        Assert.True(allclose(g16.forward(z), atZero * 0.75 + atOne * 0.25, 1e-5, 1e-5));
        // α = 1 ignores the previous toRGB; α = 0 ignores the new block and its toRGB.
        Perturb(g16, "to_rgb.1.");
        g16.Alpha = 1;
        Assert.True(Same(g16.forward(z), atOne));
        Perturb(g16, "blocks.2.");
        Perturb(g16, "to_rgb.2.");
        Assert.False(Same(g16.forward(z), atOne));
    }

    [Fact]
    public void DiscriminatorFadeInStartsAsThePreviousDOnThePooledImage()
    {
        using var scope = NewDisposeScope();
        set_num_threads(1);
        using var d8 = new ProgressiveDiscriminator(Tiny, 8, new Generator(6));
        using var d16 = d8.Grow(new Generator(7));
        var images = randn(new long[] { 8, 3, 16, 16 }, generator: new Generator(8));   // 8: two minibatch-stddev groups of 4
        var score = d16.forward(images);
        Assert.Equal(new long[] { 8, 1 }, score.shape);
        Assert.True(Same(score, d8.forward(nn.functional.avg_pool2d(images, 2))));

        d16.Alpha = 1;
        var atOne = d16.forward(images);
        Perturb(d16, "from_rgb.1.");
        Assert.True(Same(d16.forward(images), atOne));
        d16.Alpha = 0.5;
        Assert.False(Same(d16.forward(images), atOne));
        using var d4 = new ProgressiveDiscriminator(Tiny, 4, new Generator(9));
        Assert.Equal(new long[] { 4, 1 }, d4.forward(randn(4, 3, 4, 4)).shape);
    }

    [Fact]
    public void GrowingKeepsEveryLowerResolutionWeightByName()
    {
        using var scope = NewDisposeScope();
        using var g8 = new ProgressiveGenerator(Tiny, 8, new Generator(10));
        using var d8 = new ProgressiveDiscriminator(Tiny, 8, new Generator(11));
        using var g16 = g8.Grow(new Generator(12));
        using var d16 = d8.Grow(new Generator(13));
        foreach (var (small, big, fresh) in new (nn.Module, nn.Module, string[])[]
                 { (g8, g16, ["blocks.2.", "to_rgb.2."]), (d8, d16, ["blocks.2.", "from_rgb.2."]) })
        {
            var before = small.state_dict();
            var after = big.state_dict();
            foreach (var (name, value) in before)
                Assert.True(Same(after[name], value), $"{name} changed when growing");
            var added = after.Keys.Except(before.Keys).ToList();
            Assert.NotEmpty(added);
            Assert.All(added, name => Assert.Contains(fresh, f => name.StartsWith(f)));
        }
        // The grown network's new block really is new (not a copy of the old one).
        Assert.Contains(g16.named_parameters(), p => p.name == "blocks.2.conv0.weight");
    }

    [Fact]
    public void AdamStateCarriesOverByNameAndNewParametersStartAtZero()
    {
        using var scope = NewDisposeScope();
        set_num_threads(1);
        using var g8 = new ProgressiveGenerator(Tiny, 8, new Generator(14));
        var z = randn(new long[] { 4, 8 }, generator: new Generator(15));
        using var adam = new GanSharp.Training.Adam(g8.named_parameters(), 1e-3, 0, 0.99);
        for (int i = 0; i < 2; i++)
        {
            adam.ZeroGrad();
            g8.forward(z).square().mean().backward();
            adam.Step();
        }
        var oldState = adam.State().ToDictionary(s => s.Name, s => s.Value.clone());

        using var g16 = g8.Grow(new Generator(16));
        using var grownAdam = new GanSharp.Training.Adam(g16.named_parameters(), 1e-3, 0, 0.99);
        ((GanSharp.Training.IOptimizer)grownAdam).CarryFrom(adam); // what the trainer does when a family grows
        Assert.Equal(2, grownAdam.StepCount);
        int kept = 0, fresh = 0;
        foreach (var (name, value) in grownAdam.State())
        {
            if (oldState.TryGetValue(name, out var old))
            {
                Assert.True(Same(value, old), $"{name} lost its moment");
                if (old.abs().sum().item<float>() > 0) kept++;
            }
            else
            {
                Assert.True(name.Contains("blocks.2.") || name.Contains("to_rgb.2."), name);
                Assert.Equal(0f, value.abs().sum().item<float>());
                fresh++;
            }
        }
        Assert.True(kept > 10 && fresh > 0, $"{kept} kept, {fresh} fresh");
    }

    [Fact]
    public void DuringAFadeEveryParameterGetsAGradient()
    {
        using var scope = NewDisposeScope();
        set_num_threads(1);
        using var g = new ProgressiveGenerator(Tiny, 8, new Generator(17)).Grow(new Generator(18));
        using var d = new ProgressiveDiscriminator(Tiny, 8, new Generator(19)).Grow(new Generator(20));
        g.Alpha = d.Alpha = 0.5;
        var z = randn(new long[] { 4, 8 }, generator: new Generator(21));
        d.forward(g.forward(z)).mean().backward();
        foreach (var (name, p) in g.named_parameters().Concat(d.named_parameters()))
        {
            if (name.StartsWith("to_rgb.0.") || name.StartsWith("from_rgb.0.")) continue;  // the 4×4 ends are out of use at 16 px
            Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0, $"{name} gets no gradient during the fade");
        }
    }

    [Fact]
    public void TheFullLadderFrom4To64HasTheRightShapes()
    {
        using var scope = NewDisposeScope();
        set_num_threads(1);
        var config = Tiny with { Channels = 1, FmapMax = 4 };
        using var g64 = new ProgressiveGenerator(config, 64, new Generator(22));
        using var d64 = new ProgressiveDiscriminator(config, 64, new Generator(23));
        using var noGrad = no_grad();
        var images = g64.forward(randn(new long[] { 4, 8 }, generator: new Generator(24)));
        Assert.Equal(new long[] { 4, 1, 64, 64 }, images.shape);
        Assert.Equal(new long[] { 4, 1 }, d64.forward(images).shape);
        Assert.Equal(5, g64.named_parameters().Select(p => p.name.Split('.')[1]).Distinct().Count());   // blocks 4, 8, 16, 32, 64
    }
}
