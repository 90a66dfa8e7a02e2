using GanSharp.Families.ImageToImage;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.ImageToImage;

public class NetworkTests
{
    public NetworkTests() => set_num_threads(1);

    static long Params(nn.Module m) => m.parameters().Sum(p => p.numel());

    [Fact]
    public void PixelShuffleMatchesAHandMadeExample()
    {
        // 4 channels of 2×2, values c·10 + (h·2 + w): out(2h + i, 2w + j) = in(c = 2i + j)(h, w)
        using var x = tensor(new float[] { 0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33 }, new long[] { 1, 4, 2, 2 });
        using var y = nn.functional.pixel_shuffle(x, 2);
        float[] expected =
        [
             0, 10,  1, 11,
            20, 30, 21, 31,
             2, 12,  3, 13,
            22, 32, 23, 33,
        ];
        Assert.Equal(new long[] { 1, 1, 4, 4 }, y.shape);
        Assert.Equal(expected, y.flatten().data<float>().ToArray());
    }

    [Fact]
    public void SubPixelUpsampleDoublesSizeWithConvShufflePrelu()
    {
        using var up = new SubPixelUpsample(8, 2);
        Assert.Equal(8 * 32 * 9 + 32 + 8, Params(up));   // conv 8→32 (3×3, bias) + PReLU per channel
        using var x = randn(2, 8, 5, 7);
        using var y = up.forward(x);
        Assert.Equal(new long[] { 2, 8, 10, 14 }, y.shape);

        // with the conv set to identity-like weights, the block is exactly pixel_shuffle then PReLU
        using (no_grad())
        {
            var conv = (TorchSharp.Modules.Conv2d)up.named_children().First().module;
            conv.weight!.zero_();
            conv.bias!.zero_();
            for (int o = 0; o < 32; o++) conv.weight[o, o / 4, 1, 1] = tensor(1f);   // out channel o copies in channel o/4
        }
        using var rep = x.repeat_interleave(4, 1);
        using var shuffled = nn.functional.pixel_shuffle(rep, 2);
        using var expected = nn.functional.prelu(shuffled, full(8, 0.25f));          // PReLU's initial slope 0.25
        using var actual = up.forward(x);
        Assert.True(allclose(actual, expected, 1e-6, 1e-6));
    }

    static long SrResNetParams(int b, int c, int stages, int img = 3)
    {
        long head = img * c * 81 + c + c;                       // 9×9 conv + bias, PReLU
        long block = 2 * (c * c * 9) + 2 * 2 * c + c;           // two bias-free 3×3 convs, two BNs, PReLU
        long bodyEnd = c * c * 9 + 2 * c;
        long stage = c * 4 * c * 9 + 4 * c + c;                 // conv to 4c + bias, PReLU
        long tail = c * img * 81 + img;
        return head + b * block + bodyEnd + stages * stage + tail;
    }

    [Fact]
    public void SrResNetShapesAndParameterCount()
    {
        using var g = new SrResNet(blocks: 2, channels: 16);
        Assert.Equal(SrResNetParams(2, 16, 2), Params(g));
        g.eval();
        using var lr = randn(2, 3, 6, 5);
        using var sr = g.forward(lr);
        Assert.Equal(new long[] { 2, 3, 24, 20 }, sr.shape);

        using var paper = new SrResNet(blocks: 16, channels: 64);
        Assert.Equal(1_548_547, Params(paper));                // the paper's 16 blocks: about 1.5 M, as usually quoted
        Assert.Equal(SrResNetParams(16, 64, 2), Params(paper));

        using var t = new SrResNet(blocks: 1, channels: 8, scale: 2, upsampling: SrUpsampling.Transposed);
        Assert.Equal(new long[] { 1, 3, 14, 10 }, t.forward(randn(1, 3, 7, 5)).shape);
    }

    [Fact]
    public void SrResNetResidualBlockIsItsInputWhenTheLastBnIsZero()
    {
        using var block = new SrResNet.ResidualBlock(4);
        using (no_grad())
            foreach (var (name, p) in block.named_parameters())
                if (name.Contains("bn2")) p.zero_();
        block.eval();
        using var x = randn(1, 4, 5, 5);
        Assert.True(allclose(block.forward(x), x, 0, 0));
    }

    [Fact]
    public void SrganDiscriminatorFlattensForItsCropSize()
    {
        using var d96 = new SrganDiscriminator(96, 96);
        long convs = (3 * 64 * 9 + 64) + (64 * 64 * 9 + 128) + (64 * 128 * 9 + 256) + (128 * 128 * 9 + 256)
                   + (128 * 256 * 9 + 512) + (256 * 256 * 9 + 512) + (256 * 512 * 9 + 1024) + (512 * 512 * 9 + 1024);
        Assert.Equal(512L * 6 * 6, d96.FlattenedSize);
        Assert.Equal(convs + 512L * 36 * 1024 + 1024 + 1024 + 1, Params(d96));

        using var d = new SrganDiscriminator(40, 24, width: 4);   // 40 → 20 → 10 → 5 → 3, 24 → 12 → 6 → 3 → 2
        Assert.Equal(32L * 3 * 2, d.FlattenedSize);
        d.eval();
        using var logits = d.forward(randn(3, 3, 40, 24));
        Assert.Equal(new long[] { 3, 1 }, logits.shape);
        var e = Assert.Throws<ArgumentException>(() => d.forward(randn(1, 3, 48, 24)));
        Assert.Contains("40×24", e.Message);
    }

    [Theory]
    [InlineData(64, 6, 1)]
    [InlineData(128, 7, 2)]
    [InlineData(256, 8, 3)]
    public void UNetDepthFollowsResolution(int size, int levels, int dropouts)
    {
        using var g = new UNetGenerator(size, width: 2);
        Assert.Equal(levels, g.Levels);
        Assert.Equal(dropouts, g.DropoutLayers);
        Assert.Equal(dropouts, g.modules().Count(m => m is TestTimeDropout));
        using var x = randn(2, 3, size, size);
        using var y = g.forward(x);
        Assert.Equal(x.shape, y.shape);
        Assert.True(y.abs().max().item<float>() <= 1f);   // tanh
    }

    [Fact]
    public void UNet256HasThePix2pixParameterCount()
    {
        // pytorch-CycleGAN-and-pix2pix prints "Total number of parameters : 54.414 M" for its unet_256 G with BatchNorm
        // and "2.769 M" for its basic (70×70) D on 6 input channels
        using var g = new UNetGenerator(256);
        Assert.Equal(54_414, Math.Round(Params(g) / 1000.0));
        using var d = new PatchGan(6, 64, 3);
        Assert.Equal((6 * 64 * 16 + 64) + (64 * 128 * 16 + 256) + (128 * 256 * 16 + 512) + (256 * 512 * 16 + 1024) + (512 * 16 + 1), Params(d));
        Assert.Equal(2_769, Math.Round(Params(d) / 1000.0));
    }

    [Fact]
    public void UNetDropoutStaysOnAtTestTimeAndIsSeedable()
    {
        using var g = new UNetGenerator(16, width: 4);
        g.eval();   // default init: with N(0, 0.02) the dropped units barely reach the output
        using var x = randn(1, 3, 16, 16);
        using var a = g.forward(x);
        using var b = g.forward(x);
        Assert.False(allclose(a, b, 0, 0));           // stochastic in eval mode, as in the paper

        Tensor Seeded(ulong seed)
        {
            using var gen = new Generator(seed);
            g.SetDropoutGenerator(gen);
            try { return g.forward(x); } finally { g.SetDropoutGenerator(null); }
        }
        using var s1 = Seeded(3);
        using var s2 = Seeded(3);
        Assert.True(allclose(s1, s2, 0, 0));

        using var off = new UNetGenerator(16, width: 4, dropoutAtTest: false);
        off.eval();
        Assert.True(allclose(off.forward(x), off.forward(x), 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UNetGenerator(96));
        Assert.Throws<ArgumentException>(() => g.forward(randn(1, 3, 32, 32)));
    }

    [Fact]
    public void TestTimeDropoutKeepsTheExpectation()
    {
        using var d = new TestTimeDropout(0.5);
        d.eval();
        using var gen = new Generator(1);
        d.Generator = gen;
        using var y = d.forward(ones(100_000));
        var values = y.unique().Item1.data<float>().ToArray();
        Assert.Equal(new[] { 0f, 2f }, values);
        Assert.InRange(y.mean().item<float>(), 0.98f, 1.02f);
    }

    [Theory]
    [InlineData(1, 16, 48)]
    [InlineData(2, 34, 64)]
    [InlineData(3, 70, 128)]
    public void PatchGanReceptiveFieldMeasuredByGradient(int layers, int rf, int size)
    {
        Assert.Equal(rf, PatchGan.ReceptiveField(layers));
        Assert.Equal(layers, PatchGan.LayersFor(rf));
        using var d = new PatchGan(inChannels: 2, width: 4, layers: layers);
        d.to(ScalarType.Float64);
        d.eval();                                            // BN on running stats: no coupling across pixels
        using var x = randn(new long[] { 1, 2, size, size }, dtype: ScalarType.Float64).requires_grad_(true);
        using var y = d.forward(x);
        int n = PatchGan.OutputSize(size, layers);
        Assert.Equal(new long[] { 1, 1, n, n }, y.shape);
        y[0, 0, n / 2, n / 2].backward();
        using var touched = x.grad!.abs().sum(new long[] { 0, 1 }).gt(0);      // H×W: pixels that reach the centre logit
        using var rows = touched.any(1).nonzero();
        using var cols = touched.any(0).nonzero();
        long height = rows.max().item<long>() - rows.min().item<long>() + 1;
        long width = cols.max().item<long>() - cols.min().item<long>() + 1;
        Assert.True(rows.min().item<long>() > 0 && rows.max().item<long>() < size - 1, "the patch must lie inside the image");
        Assert.Equal(rf, height);
        Assert.Equal(rf, width);
    }

    [Fact]
    public void PatchGanRejectsUnknownReceptiveFieldsAndTinyInputs()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PatchGan.LayersFor(50));
        using var d = new PatchGan(6, 4, 3);
        var e = Assert.Throws<ArgumentException>(() => d.forward(randn(1, 6, 16, 16)));
        Assert.Contains("at least", e.Message);
    }

    [Fact]
    public void MultiScaleDiscriminatorJudgesEachScale()
    {
        using var d = new MultiScaleDiscriminator(inChannels: 6, scales: 3, width: 4, layers: 2);
        d.eval();
        using var pair = PatchGan.Pair(randn(2, 3, 64, 64), randn(2, 3, 64, 64));
        var maps = d.Scales(pair);
        Assert.Equal(new long[] { 2, 1, 14, 14 }, maps[0].shape);   // 64 → 16 − 2
        Assert.Equal(new long[] { 2, 1, 6, 6 }, maps[1].shape);     // 32 → 8 − 2
        Assert.Equal(new long[] { 2, 1, 2, 2 }, maps[2].shape);     // 16 → 4 − 2
        using var all = d.forward(pair);
        Assert.Equal(new long[] { 2, 196 + 36 + 4 }, all.shape);
        Assert.True(allclose(all.narrow(1, 196, 36), maps[1].flatten(1), 0, 0));
        Assert.Equal(3 * Params(new PatchGan(6, 4, 2)), Params(d));  // one D per scale
        foreach (var m in maps) m.Dispose();
    }
}
