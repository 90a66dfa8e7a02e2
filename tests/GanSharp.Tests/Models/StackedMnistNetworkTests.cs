using GanSharp.Models;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;
using GanSharp.Families;

namespace GanSharp.Tests.StackedMnistNetworks; // not ".Models": that would shadow GanSharp.Models in TestUtil

/// <summary>
/// The two Stacked MNIST settings' networks: layer sizes and parameter counts against the papers' architectures,
/// counted by hand (conv: in·out·k² (+ out bias), BatchNorm: 2·channels, linear: in·out (+ out)).
/// </summary>
public class StackedMnistNetworkTests
{
    private static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());

    /// <summary>The shape after each named layer of a Sequential, for input x.</summary>
    private static Dictionary<string, long[]> Shapes(nn.Module<Tensor, Tensor> seq, Tensor x)
    {
        var shapes = new Dictionary<string, long[]>();
        using var scope = NewDisposeScope();
        foreach (var (name, layer) in seq.named_children())
        {
            x = ((nn.Module<Tensor, Tensor>)layer).call(x);
            shapes[name] = x.shape;
        }
        return shapes;
    }

    [Fact]
    public void VeeganSettingNetworksHaveThePublishedLayerSizes()
    {
        manual_seed(1);
        using var g = DcGan.Generator28Deep(zDim: 100, channels: 3, width: 64);
        using var d = DcGan.Discriminator28Deep(channels: 3, width: 64);
        g.eval(); d.eval();
        using var z = randn(2, 100);
        var gs = Shapes(g, z);
        Assert.Equal(new long[] { 2, 512, 2, 2 }, gs["unflatten"]);
        Assert.Equal(new long[] { 2, 256, 4, 4 }, gs["up1"]);
        Assert.Equal(new long[] { 2, 128, 7, 7 }, gs["up2"]);
        Assert.Equal(new long[] { 2, 64, 14, 14 }, gs["up3"]);
        Assert.Equal(new long[] { 2, 3, 28, 28 }, gs["tanh"]);
        using var x = rand(2, 3, 28, 28);
        var ds = Shapes(d.Body, x);
        Assert.Equal(new long[] { 2, 64, 14, 14 }, ds["conv1"]);
        Assert.Equal(new long[] { 2, 128, 7, 7 }, ds["conv2"]);
        Assert.Equal(new long[] { 2, 256, 4, 4 }, ds["conv3"]);
        Assert.Equal(new long[] { 2, 512, 2, 2 }, ds["conv4"]);
        using var logits = d.call(x);
        Assert.Equal(new long[] { 2 }, logits.shape);

        // G: fc 100·2048 + 2048, BN 2·2048, ConvT 512·256·25 + 256, BN 512, 256·128·25 + 128, BN 256,
        //    128·64·25 + 64, BN 128, 64·3·25 + 3
        Assert.Equal(206_848 + 4_096 + 3_277_056 + 512 + 819_328 + 256 + 204_864 + 128 + 4_803, Count(g));
        // D: conv 3·64·25 + 64, 64·128·25, BN 256, 128·256·25, BN 512, 256·512·25, BN 1024, head 2048 + 1
        Assert.Equal(4_864 + 204_800 + 256 + 819_200 + 512 + 3_276_800 + 1_024 + 2_049, Count(d));
    }

    [Fact]
    public void InfoGanMnistNetworksHaveThePaperLayerSizes()
    {
        manual_seed(1);
        using var g = DcGan.Generator28(zDim: 100, channels: 1, width: 64, hidden: 1024);
        using var d = DcGan.Discriminator28(channels: 1, width: 64, hidden: 1024);
        g.eval(); d.eval();
        using var z = randn(2, 100);
        var gs = Shapes(g, z);
        Assert.Equal(new long[] { 2, 1024 }, gs["fc0"]);
        Assert.Equal(new long[] { 2, 128, 7, 7 }, gs["unflatten"]);
        Assert.Equal(new long[] { 2, 64, 14, 14 }, gs["up1"]);
        Assert.Equal(new long[] { 2, 1, 28, 28 }, gs["tanh"]);
        using var x = rand(2, 1, 28, 28);
        var ds = Shapes(d.Body, x);
        Assert.Equal(new long[] { 2, 128, 7, 7 }, ds["conv2"]);
        Assert.Equal(new long[] { 2, 1024 }, ds["fc_lrelu"]);
        using var logits = d.call(x);
        Assert.Equal(new long[] { 2 }, logits.shape);

        // G: fc0 100·1024, BN 2·1024, fc 1024·6272, BN 2·6272, ConvT 128·64·16, BN 128, ConvT 64·1·16 + 1
        Assert.Equal(102_400 + 2_048 + 6_422_528 + 12_544 + 131_072 + 128 + 1_025, Count(g));
        // D: conv 1·64·16 + 64, 64·128·16, BN 256, fc 6272·1024, BN 2048, head 1024 + 1
        Assert.Equal(1_088 + 131_072 + 256 + 6_422_528 + 2_048 + 1_025, Count(d));
    }

    [Fact]
    public void FcGAndFcDAddTheHiddenLayersToDcgan28AndRejectNegativeWidths()
    {
        var o = new GanOptions { Model = "dcgan", Data = "mnist", FcG = 256, FcD = 512 };
        var (g, d) = GanModels.Build(o, new long[] { 1, 28, 28 });
        using (g) using (d)
        {
            // G: fc0 100·256, BN 512, fc 256·6272, BN 12,544, ConvT 128·64·16, BN 128, ConvT 64·16 + 1
            Assert.Equal(25_600 + 512 + 1_605_632 + 12_544 + 131_072 + 128 + 1_025, Count(g));
            // D: conv 1·64·16 + 64, 64·128·16, BN 256, fc 6272·512, BN 1024, head 512 + 1
            Assert.Equal(1_088 + 131_072 + 256 + 3_211_264 + 1_024 + 513, Count(d));
        }
        var bad = new GanOptions { Model = "dcgan", Data = "mnist", FcG = -1 };
        var e = Assert.Throws<ArgumentException>(() => bad.Validate());
        Assert.Contains("--fc-g and --fc-d must be 0", e.Message);
    }

    [Fact]
    public void WeakDSettingNetworksHaveThePublishedLayerSizes()
    {
        manual_seed(1);
        using var g = WeakDStackedMnist.Generator(zDim: 256, channels: 3, width: 8);
        using var d = WeakDStackedMnist.Discriminator(channels: 3, width: 2);
        g.eval(); d.eval();
        using var z = randn(2, 256);
        var gs = Shapes(g, z);
        Assert.Equal(new long[] { 2, 64, 4, 4 }, gs["unflatten"]);
        Assert.Equal(new long[] { 2, 32, 7, 7 }, gs["up1"]);
        Assert.Equal(new long[] { 2, 16, 14, 14 }, gs["up2"]);
        Assert.Equal(new long[] { 2, 8, 28, 28 }, gs["up3"]);
        Assert.Equal(new long[] { 2, 3, 28, 28 }, gs["tanh"]);
        using var x = rand(2, 3, 28, 28);
        var ds = Shapes(d.Body, x);
        Assert.Equal(new long[] { 2, 2, 14, 14 }, ds["conv1"]);
        Assert.Equal(new long[] { 2, 4, 7, 7 }, ds["conv2"]);
        Assert.Equal(new long[] { 2, 8, 4, 4 }, ds["conv3"]);

        // G: fc 256·1024 (no bias), BN 2·1024, ConvT 64·32·9, BN 64, 32·16·9, BN 32, 16·8·9, BN 16, conv 8·3·9 + 3
        Assert.Equal(262_144 + 2_048 + 18_432 + 64 + 4_608 + 32 + 1_152 + 16 + 219, Count(g));
        // D (¼ G): conv 3·2·9, BN 4, 2·4·9, BN 8, 4·8·9, BN 16, head 8·16 + 1
        Assert.Equal(54 + 4 + 72 + 8 + 288 + 16 + 129, Count(d));
    }

    [Fact]
    public void PacGanPackingWidensOnlyTheFirstConvolutionOfTheDeepD()
    {
        var o = new GanOptions { Pack = 2 };
        manual_seed(1);
        using var d = DcGan.Discriminator28Deep(channels: 3, width: 8, GanModels.DiscriminatorOptionsFor(o));
        using var x = rand(4, 3, 28, 28);
        using var y = d.call(x);
        Assert.Equal(new long[] { 2 }, y.shape); // 4 samples judged in 2 packs
        var first = d.Body.named_parameters().First(p => p.name == "conv1.weight").parameter;
        Assert.Equal(new long[] { 8, 6, 5, 5 }, first.shape);
    }

    [Theory]
    [InlineData("stacked-mnist-dcgan", "dcgan28-deep", 100, 64)]
    [InlineData("stacked-mnist-weak-d", "weakd28", 256, 128)]
    public void StackedMnistPresetsPickTheirPapersNetworks(string preset, string arch, int zDim, int batch)
    {
        var o = OptionLayers.Resolve(preset, null, null);
        Assert.Equal(arch, o.Arch);
        Assert.Equal(zDim, o.ZDim);
        Assert.Equal(batch, o.Batch);
        Assert.Equal("stacked-mnist", o.Data);
        var (g, d) = GanModels.Build(o, new long[] { 3, 28, 28 });
        using (g) using (d)
        using (var z = randn(4, zDim))
        using (var img = g.call(z))
            Assert.Equal(new long[] { 4, 3, 28, 28 }, img.shape);
    }

    [Fact]
    public void TheConditionalModelRefusesTheStackedMnistNetworksInOneLine()
    {
        var o = new GanOptions { Model = "cgan", Arch = "dcgan28-deep", Data = "mnist" };
        var e = Assert.Throws<ArgumentException>(() => GanFamilies.Create(o, new long[] { 1, 28, 28 }, 10));
        Assert.Contains("not dcgan28-deep", e.Message);
    }
}
