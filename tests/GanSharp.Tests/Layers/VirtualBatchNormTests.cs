using GanSharp.Layers;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Layers;

public class VirtualBatchNormTests
{
    [Fact]
    public void MixesReferenceAndExampleStatisticsAsTheAuthorsCode()
    {
        using var scope = NewDisposeScope();
        using var vbn = new VirtualBatchNorm(2);
        using (no_grad())
        {
            vbn.Gamma.copy_(tensor(new[] { 2f, 1f }));
            vbn.Beta.copy_(tensor(new[] { 0.5f, -1f }));
        }
        // Reference rows (0, 1), (2, 3): n = 2, mean (1, 2), mean of squares (2, 5).
        vbn.SetReference(tensor(new[] { 0f, 1f, 2f, 3f }).reshape(2, 2));
        Assert.Equal(2, vbn.ReferenceCount);
        // Example (4, 2), weights 1/3 and 2/3: mean (4/3 + 2/3, 2/3 + 4/3) = (2, 2),
        // mean of squares (16/3 + 4/3, 4/3 + 10/3) = (20/3, 14/3), variance (8/3, 2/3).
        var y = vbn.forward(tensor(new[] { 4f, 2f }).reshape(1, 2));
        double y0 = 2 * (4 - 2) / Math.Sqrt(8.0 / 3 + 1e-5) + 0.5;
        double y1 = 1 * (2 - 2) / Math.Sqrt(2.0 / 3 + 1e-5) - 1;
        Assert.Equal(y0, y[0, 0].item<float>(), 5);
        Assert.Equal(y1, y[0, 1].item<float>(), 5);
    }

    [Fact]
    public void AnExampleIgnoresTheRestOfItsBatch()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var vbn = new VirtualBatchNorm(3);
        vbn.SetReference(randn(5, 3, 4, 4) * 2 + 1);
        var x = randn(1, 3, 4, 4);
        var alone = vbn.forward(x);
        var inBatchA = vbn.forward(cat(new[] { randn(2, 3, 4, 4), x }))[2..3];
        var inBatchB = vbn.forward(cat(new[] { x, randn(6, 3, 4, 4) * 10 }))[0..1];
        Assert.True(allclose(alone, inBatchA, 1e-6, 1e-7));
        Assert.True(allclose(alone, inBatchB, 1e-6, 1e-7));
    }

    [Fact]
    public void ImageStatisticsPoolPixelsPerChannel()
    {
        using var scope = NewDisposeScope();
        using var vbn = new VirtualBatchNorm(2);
        using (no_grad()) vbn.Gamma.fill_(1);
        manual_seed(3);
        var reference = randn(4, 2, 3, 3);
        vbn.SetReference(reference);
        Assert.True(allclose(vbn.ReferenceMean, reference.mean(new long[] { 0, 2, 3 }), 1e-6, 1e-6));
        var x = randn(1, 2, 3, 3);
        // By hand: each channel's mean over the example's pixels, mixed 1/5 : 4/5 with the reference.
        var mean = x.mean(new long[] { 2, 3 }, keepdim: true) / 5 + reference.mean(new long[] { 0, 2, 3 }).reshape(1, 2, 1, 1) * 4 / 5;
        var meanSq = x.square().mean(new long[] { 2, 3 }, keepdim: true) / 5 + reference.square().mean(new long[] { 0, 2, 3 }).reshape(1, 2, 1, 1) * 4 / 5;
        var expected = (x - mean) / (meanSq - mean.square() + 1e-5).sqrt();
        Assert.True(allclose(vbn.forward(x), expected, 1e-5, 1e-6));
    }

    [Fact]
    public void ReferenceModeStoresTheBatchAndNormalizesItWithItsOwnStatistics()
    {
        using var scope = NewDisposeScope();
        using var vbn = new VirtualBatchNorm(3);
        using (no_grad()) vbn.Gamma.fill_(1);
        Assert.False(vbn.HasReference);
        Assert.Throws<InvalidOperationException>(() => vbn.forward(zeros(2, 3)));
        vbn.ReferenceMode = true;
        var reference = randn(64, 3) * 3 + 2;
        var y = vbn.forward(reference);
        vbn.ReferenceMode = false;
        Assert.Equal(64, vbn.ReferenceCount);
        Assert.True(allclose(y.mean(new long[] { 0 }), zeros(3), 0, 1e-5));
        Assert.True(allclose(y.var(new long[] { 0 }, unbiased: false), ones(3), 1e-3, 1e-3));
        var keys = vbn.state_dict().Keys.ToHashSet();
        Assert.Contains("ref_mean", keys);
        Assert.Contains("ref_mean_sq", keys);
        Assert.Contains("ref_count", keys);
    }
}

