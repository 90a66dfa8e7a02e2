using GanSharp.Imaging;
using GanSharp.Metrics;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Metrics;

/// <summary>
/// random-cnn, the fallback feature network for image folders: its weights are the pinned ones on every machine,
/// its first stage is the convolution the docs describe (checked against plain loops), channels and sizes are
/// brought to 3×64×64 as documented, and its features tell images of one kind from blurred ones.
/// </summary>
public class RandomCnnTests
{
    private static Tensor Images(long n, long c, long size, long seed)
    {
        using var g = new Generator((ulong)seed);
        return rand(new[] { n, c, size, size }, generator: g).mul_(2).sub_(1);
    }

    [Fact]
    public void WeightsAreThePinnedOnesAndLoadByName()
    {
        using var net = FeatureNetworks.Load("random-cnn");
        Assert.Equal(RandomCnn.Sha256, net.Hash);
        Assert.Equal(480, net.FeatureDim);
        Assert.Equal(0, net.NumClasses);
        Assert.Contains(FeatureNetworks.Known, k => k.Name == "random-cnn");
        using var again = RandomCnn.Create();
        using var x = Images(3, 3, 64, 1);
        var (a, _) = net.Forward(x);
        var (b, logits) = again.Forward(x);
        Assert.Null(logits);
        Assert.Equal(new long[] { 3, 480 }, a.shape);
        Assert.True(a.equal(b).all().item<bool>());                                     // same weights, same features, bit for bit
    }

    [Fact]
    public void FirstStageIsTheSpatialMeanOfReluOfAZeroPaddedConvolution()
    {
        using var net = RandomCnn.Create();
        using var x = Images(1, 3, 64, 2);
        var (f, _) = net.Forward(x);
        var features = f[0].data<float>().ToArray();

        // The stage-1 weights, drawn as documented: U(−b, b), b = √(6/27), from the seeded generator.
        using var g = new Generator(RandomCnn.Seed);
        double bound = Math.Sqrt(6.0 / 27);
        var w = rand(new long[] { 32, 3, 3, 3 }, generator: g).mul(2 * bound).sub(bound).data<float>().ToArray();
        var px = x.data<float>().ToArray();
        for (int o = 0; o < 32; o += 7)
        {
            double sum = 0;
            for (int y = 0; y < 64; y++)
                for (int xx = 0; xx < 64; xx++)
                {
                    double acc = 0;
                    for (int c = 0; c < 3; c++)
                        for (int ky = -1; ky <= 1; ky++)
                            for (int kx = -1; kx <= 1; kx++)
                            {
                                int yy = y + ky, xs = xx + kx;
                                if (yy < 0 || yy >= 64 || xs < 0 || xs >= 64) continue;      // zero padding
                                acc += w[((o * 3 + c) * 3 + ky + 1) * 3 + kx + 1] * px[(c * 64 + yy) * 64 + xs];
                            }
                    sum += Math.Max(acc, 0);
                }
            Assert.Equal(sum / (64 * 64), features[o], 4);
        }
    }

    [Fact]
    public void GreyIsRepeatedRgbaUsesItsPremultipliedColourAndOtherSizesAreResizedTo64()
    {
        using var net = RandomCnn.Create();
        using var grey = Images(2, 1, 64, 3);
        using var rgb = grey.expand(-1, 3, -1, -1).contiguous();
        Assert.True(net.Forward(grey).Features.equal(net.Forward(rgb).Features).all().item<bool>());

        using var rgba = cat(new[] { rgb, Images(2, 1, 64, 4) }, 1);                      // alpha does not enter
        Assert.True(net.Forward(rgba).Features.equal(net.Forward(rgb).Features).all().item<bool>());

        using var small = Images(2, 3, 28, 5);
        using var resized = Resize.ResizeBilinear(small, 64, 64);
        Assert.True(net.Forward(small).Features.equal(net.Forward(resized).Features).all().item<bool>());

        using var twoChannels = Images(1, 2, 64, 6);
        var e = Assert.Throws<ArgumentException>(() => net.Forward(twoChannels));
        Assert.Contains("1, 3 or 4 channels", e.Message);
    }

    [Fact]
    public void KidOnItsFeaturesSeparatesBlurredImagesFromAnotherDrawOfTheSameKind()
    {
        // Images of one kind: smooth colour gradients plus fine noise; the blurred copies lose the fine texture.
        static Tensor Kind(long n, long seed)
        {
            using var g = new Generator((ulong)seed);
            var ramp = linspace(-1, 1, 32).reshape(1, 1, 1, 32);
            var tint = rand(new long[] { n, 3, 1, 1 }, generator: g);
            var noise = randn(new long[] { n, 3, 32, 32 }, generator: g).mul_(0.3);
            return (ramp * tint + noise).clamp_(-1, 1);
        }
        using var net = RandomCnn.Create();
        using var a = Kind(60, 7);
        using var b = Kind(60, 8);
        using var blurred = nn.functional.avg_pool2d(Kind(60, 8), 3, stride: 1, padding: 1);
        var fa = net.Forward(a).Features;
        double same = Kid.Compute(fa, net.Forward(b).Features, subsets: 20, subsetSize: 50, seed: 1).Mean;
        double blur = Kid.Compute(fa, net.Forward(blurred).Features, subsets: 20, subsetSize: 50, seed: 1).Mean;
        Assert.True(blur > 10 * Math.Abs(same), $"KID same kind {same}, blurred {blur}");
    }
}
