using GanSharp.Families.Synthetic;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.Synthetic;

public class TpGanTests
{
    public TpGanTests() => set_num_threads(1);

    [Fact]
    public void PatchIsPastedAtItsCentre()
    {
        var patch = tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 1, 2, 2);
        // Centre (x 5, y 3): a 2×2 patch starts at column 4, row 2.
        var pasted = FacePatches.Paste(patch, tensor(new float[] { 5, 3 }).reshape(1, 2), 8, 8);
        var expected = zeros(1, 1, 8, 8);
        expected[0, 0, 2, 4] = 1; expected[0, 0, 2, 5] = 2; expected[0, 0, 3, 4] = 3; expected[0, 0, 3, 5] = 4;
        Assert.True(pasted.equal(expected).all().item<bool>());
        // Partly outside: centre (0.4, 0.4) starts at (−1, −1); only the bottom-right value lands, at (0, 0).
        var corner = FacePatches.Paste(patch, tensor(new float[] { 0.4f, 0.4f }).reshape(1, 2), 8, 8);
        Assert.Equal(4f, corner[0, 0, 0, 0].item<float>());
        Assert.Equal(4f, corner.sum().item<float>());
        // Cropping at the same centre gives the patch back.
        var back = FacePatches.Crop(pasted, tensor(new float[] { 5, 3 }).reshape(1, 2), 2, 2);
        Assert.True(back.equal(patch).all().item<bool>());
    }

    [Fact]
    public void FusionTakesTheMaxOfFeaturesAndTheMeanOfImages()
    {
        // Two 1×1×2×2 patches overlapping in one pixel of a 4×4 image.
        var a = full(1, 1, 2, 2, 1f);
        var b = full(1, 1, 2, 2, 3f);
        var ca = tensor(new float[] { 1, 1 }).reshape(1, 2);   // covers rows 0–1, columns 0–1
        var cb = tensor(new float[] { 2, 2 }).reshape(1, 2);   // covers rows 1–2, columns 1–2
        var (f, img) = FacePatches.Fuse([a, b], [a, b], [ca, cb], 4, 4);
        Assert.Equal(3f, f[0, 0, 1, 1].item<float>());           // overlap: max
        Assert.Equal(2f, img[0, 0, 1, 1].item<float>());         // overlap: mean
        Assert.Equal(1f, img[0, 0, 0, 0].item<float>());
        Assert.Equal(3f, img[0, 0, 2, 2].item<float>());
        Assert.Equal(0f, img[0, 0, 3, 3].item<float>());
    }

    [Fact]
    public void PatchCentresFromLandmarks()
    {
        var lm = tensor(new float[] { 10, 20, 30, 20, 20, 30, 12, 40, 28, 42 }).reshape(1, 5, 2);
        var c = FacePatches.Centres(lm);
        Assert.Equal(new float[] { 10, 20, 30, 20, 20, 30, 20, 41 }, c.flatten().data<float>().ToArray());
        Assert.Equal((32, 48), FacePatches.Sizes(128)[3]);
        Assert.Equal((16, 24), FacePatches.Sizes(64)[3]);
    }

    [Fact]
    public void LossesOnHandMadeInputs()
    {
        var half = rand(2, 3, 4, 3);
        var mirrored = cat([half, half.flip(3)], 3);
        Assert.Equal(0f, TpGanLosses.Symmetry(mirrored).item<float>());
        // [[0, 1], [3, 5]]: mirror is [[1, 0], [5, 3]], mean |diff| = (1 + 1 + 2 + 2) / 4.
        var x = tensor(new float[] { 0, 1, 3, 5 }).reshape(1, 1, 2, 2);
        Assert.Equal(1.5f, TpGanLosses.Symmetry(x).item<float>(), 6);
        // TV: horizontal |1−0|, |5−3| → 1.5; vertical |3−0|, |5−1| → 3.5.
        Assert.Equal(5f, TpGanLosses.TotalVariation(x).item<float>(), 6);
        var feats = new[] { randn(2, 8), randn(2, 4, 3, 3) };
        Assert.Equal(0f, TpGanLosses.Identity(feats, feats.Select(t => t.clone()).ToArray()).item<float>());
        Assert.Equal(3f, TpGanLosses.Identity([zeros(2, 8), zeros(1, 3)], [ones(2, 8), full(1, 3, 2f)]).item<float>(), 6);
        // Multi-scale: a target of 1s against outputs of 0s at full, ½ and ¼ size costs 1 per scale.
        var target = ones(1, 3, 8, 8);
        Assert.Equal(3f, TpGanLosses.MultiScalePixelL1([zeros(1, 3, 8, 8), zeros(1, 3, 4, 4), zeros(1, 3, 2, 2)], target).item<float>(), 6);
        Assert.Equal(0f, TpGanLosses.MultiScalePixelL1([target, ones(1, 3, 4, 4)], target).item<float>());
    }

    [Theory]
    [InlineData(64)]
    [InlineData(128)]
    public void GeneratorShapes(int size)
    {
        using var g = new TwoPathwayGenerator(size, channels: 3, width: 4, localWidth: 4);
        var x = rand(2, 3, size, size) * 2 - 1;
        float s = size / 64f;
        var lm = tensor(new float[] { 22, 26, 42, 26, 32, 36, 24, 46, 40, 46 }).mul(s).reshape(1, 5, 2).expand(2, 5, 2).contiguous();
        var profileLm = lm + tensor(new float[] { 6, 0 });
        var o = g.Forward(x, profileLm, lm);
        Assert.Equal(new long[] { 2, 3, size, size }, o.Image.shape);
        Assert.Equal(new long[] { 2, 3, size / 2, size / 2 }, o.Half.shape);
        Assert.Equal(new long[] { 2, 3, size / 4, size / 4 }, o.Quarter.shape);
        var sizes = FacePatches.Sizes(size);
        for (int k = 0; k < 4; k++) Assert.Equal(new long[] { 2, 3, sizes[k].H, sizes[k].W }, o.LocalPatches[k].shape);
        // The local composite is zero away from every patch (e.g. the top-left corner) and not zero at an eye.
        Assert.Equal(0f, o.LocalComposite[0, 0, 0, 0].item<float>());
        Assert.True(o.LocalComposite[0, .., (int)(26 * s), (int)(22 * s)].abs().sum().item<float>() > 0);
        // Gradients reach the local pathways through the paste.
        o.Image.mean().backward();
        Assert.All(g.parameters(), p => Assert.NotNull(p.grad));
    }
}
