using GanSharp.Augment;
using Xunit;
using static TorchSharp.torch;
using static GanSharp.Tests.Augment.DiffAugmentTests;

namespace GanSharp.Tests.Augment;

public class AdaTests
{
    static readonly AdaOps[] EachOp =
        [AdaOps.XFlip, AdaOps.Rotate90, AdaOps.IntegerTranslation, AdaOps.IsotropicScaling, AdaOps.Brightness, AdaOps.Contrast, AdaOps.Saturation];

    static Tensor Images(long n, long c, long size, int seed = 1, ScalarType dtype = ScalarType.Float32) =>
        (rand(new[] { n, c, size, size }, dtype: dtype, generator: new Generator((ulong)seed)) * 2 - 1);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void ProbabilityZeroIsTheIdentityExactly(int channels)
    {
        using var scope = NewDisposeScope();
        var x = Images(8, channels, 8);
        using var g = new Generator(3);
        Assert.True(Same(x, new AdaAugment().Apply(x, 0, g)));
    }

    [Fact]
    public void ProbabilityOneMakesEachOpChangeTheImages()
    {
        using var scope = NewDisposeScope();
        var x = Images(16, 3, 8);
        foreach (var op in EachOp)
        {
            using var g = new Generator(5);
            var y = new AdaAugment(op).Apply(x, 1, g);
            var changed = (y - x).abs().flatten(1).amax(1).gt(1e-6);                            // N
            long count = changed.sum().item<long>();
            // Flip, rotation and translation may draw the identity for a sample (flip: 1 in 2); the others never do.
            if (op is AdaOps.XFlip or AdaOps.Rotate90 or AdaOps.IntegerTranslation)
                Assert.True(count >= 4, $"{op}: {count} of 16 samples changed");
            else
                Assert.True(count == 16, $"{op}: {count} of 16 samples changed");
        }
    }

    [Fact]
    public void FlipAndRotationAreExactBlits()
    {
        using var scope = NewDisposeScope();
        var x = Images(16, 3, 6);
        using var g = new Generator(8);
        var flipped = new AdaAugment(AdaOps.XFlip).Apply(x, 1, g);
        var rotated = new AdaAugment(AdaOps.Rotate90).Apply(x, 1, g);
        var quarters = new HashSet<int>();
        for (int n = 0; n < 16; n++)
        {
            var xi = x[n];
            Assert.True(Same(flipped[n], xi) || Same(flipped[n], xi.flip(2)), $"sample {n} is neither x nor its mirror");
            int k = Enumerable.Range(0, 4).Single(q => Same(rotated[n], xi.rot90(q, (1, 2))));
            quarters.Add(k);
        }
        Assert.Equal(4, quarters.Count);
    }

    [Fact]
    public void IntegerTranslationMirrorsAtTheBorder()
    {
        using var scope = NewDisposeScope();
        var row = tensor(new float[] { 1, 2, 3, 4, 5 }).view(1, 1, 1, 5);
        var y = AdaAugment.TranslateReflect(row, tensor(new long[] { 0 }), tensor(new long[] { 2 }));
        Assert.Equal(new float[] { 3, 2, 1, 2, 3 }, y.data<float>().ToArray());
        var back = AdaAugment.TranslateReflect(row, tensor(new long[] { 0 }), tensor(new long[] { -1 }));
        Assert.Equal(new float[] { 2, 3, 4, 5, 4 }, back.data<float>().ToArray());
    }

    [Fact]
    public void ScalingZoomsAboutTheCentre()
    {
        using var scope = NewDisposeScope();
        // Column index as the value: a zoom by 2 samples input column 1.5 + (j − 1.5)/2.
        var ramp = arange(4, dtype: ScalarType.Float64).view(1, 1, 1, 4).expand(1, 1, 4, 4).contiguous();
        var y = AdaAugment.Scale(ramp, tensor(new[] { 2.0 }, ScalarType.Float64));
        Assert.True(allclose(y[0, 0, 1], tensor(new[] { 0.75, 1.25, 1.75, 2.25 }, ScalarType.Float64), 0, 1e-12),
            y[0, 0, 1].ToString(TorchSharp.TensorStringStyle.Julia));
        Assert.True(allclose(AdaAugment.Scale(ramp, tensor(new[] { 1.0 }, ScalarType.Float64)), ramp, 0, 1e-12));
    }

    [Fact]
    public void ColourOpsLeaveAlphaAlone()
    {
        using var scope = NewDisposeScope();
        var x = Images(8, 4, 6);
        using var g = new Generator(2);
        var y = new AdaAugment(AdaOps.Brightness | AdaOps.Contrast | AdaOps.Saturation).Apply(x, 1, g);
        Assert.True(Same(y[.., 3..], x[.., 3..]));
        Assert.False(Same(y[.., ..3], x[.., ..3]));
    }

    [Fact]
    public void GradientReachesTheInputAsFiniteDifferencesSay()
    {
        using var scope = NewDisposeScope();
        set_num_threads(1);
        var aug = new AdaAugment();
        var x0 = Images(4, 3, 8, seed: 6, dtype: ScalarType.Float64);
        var weights = Images(4, 3, 8, seed: 7, dtype: ScalarType.Float64);
        Tensor F(Tensor x)
        {
            using var g = new Generator(21);
            return (aug.Apply(x, 0.8, g) * weights).sum();
        }
        AssertGradientMatchesFiniteDifferences(F, x0, "ADA");
    }

    [Fact]
    public void BadInputIsRejected()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaAugment().Apply(Images(2, 3, 4), 1.5, g));
        Assert.Contains("got 2", Assert.Throws<ArgumentException>(() => new AdaAugment().Apply(Images(2, 2, 4), 0.5, g)).Message);
        Assert.Contains("square", Assert.Throws<ArgumentException>(() => new AdaAugment().Apply(zeros(2, 3, 4, 6), 0.5, g)).Message);
    }

    [Fact]
    public void PMovesUpWhenRtIsAboveTheTargetAndDownWhenBelow()
    {
        using var scope = NewDisposeScope();
        var ada = new AdaController(batchSize: 32, target: 0.6, interval: 4, adaKimg: 1);
        Assert.Equal(32 * 4 / 1000.0, ada.Adjustment);
        for (int step = 1; step <= 4; step++)
        {
            ada.Accumulate(tensor(new float[] { 2f, 0.5f, 1f, 3f }));                // r_t = 1 > 0.6
            Assert.Equal(step == 4, ada.EndStep());
            Assert.Equal(step == 4 ? 0.128 : 0.0, ada.P);
        }
        Assert.Equal(1.0, ada.LastRt);
        for (int step = 1; step <= 4; step++)
        {
            ada.Accumulate(tensor(new float[] { 1f, 1f, 1f, -1f, -2f }));            // r_t = 0.2 < 0.6
            ada.EndStep();
        }
        Assert.Equal(0.2, ada.LastRt, 12);
        Assert.Equal(0.0, ada.P);
        for (int step = 1; step <= 4; step++) { ada.Accumulate(-ones(8)); ada.EndStep(); }
        Assert.Equal(0.0, ada.P);                                                       // clamped at 0

        var high = new AdaController(batchSize: 32, adaKimg: 1, initialP: 0.95);
        for (int step = 1; step <= 4; step++) { high.Accumulate(ones(8)); high.EndStep(); }
        Assert.Equal(1.0, high.P);                                                      // clamped at 1

        var even = new AdaController(batchSize: 10, target: 0.5, interval: 1, adaKimg: 1, initialP: 0.5);
        even.Accumulate(tensor(new float[] { 1, 1, 1, -1 }));                           // r_t = 0.5 = target: no move
        Assert.True(even.EndStep());
        Assert.Equal(0.5, even.P);
    }

    [Fact]
    public void StateRoundTripsBitForBitAndResumeContinuesIdentically()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(4);
        var a = new AdaController(batchSize: 24, interval: 4, adaKimg: 3, initialP: 0.3);
        var logits = Enumerable.Range(0, 40).Select(_ => randn(new long[] { 24 }, generator: g) + 0.9).ToList();
        for (int i = 0; i < 22; i++) { a.Accumulate(logits[i]); a.EndStep(); }         // stop mid-interval
        Assert.NotEqual(0.3, a.P);
        var saved = a.StateTensor();
        var b = new AdaController(batchSize: 24, interval: 4, adaKimg: 3);
        b.LoadStateTensor(saved);
        Assert.Equal(a.State().Select(BitConverter.DoubleToInt64Bits), b.State().Select(BitConverter.DoubleToInt64Bits));
        for (int i = 22; i < 40; i++)
        {
            a.Accumulate(logits[i]); b.Accumulate(logits[i]);
            Assert.Equal(a.EndStep(), b.EndStep());
            Assert.Equal(BitConverter.DoubleToInt64Bits(a.P), BitConverter.DoubleToInt64Bits(b.P));
        }
        Assert.Equal(a.State().Select(BitConverter.DoubleToInt64Bits), b.State().Select(BitConverter.DoubleToInt64Bits));

        Assert.Throws<InvalidDataException>(() => b.LoadState(new double[] { 0.5, 0, 0 }));
        Assert.Contains("p = 1.5", Assert.Throws<InvalidDataException>(() => b.LoadState(new double[] { 1.5, 0, 0, 0, 0 })).Message);
        Assert.Throws<InvalidDataException>(() => b.LoadStateTensor(tensor(new float[] { 0, 0, 0, 0, 0 })));
    }
}
