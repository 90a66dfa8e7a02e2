using GanSharp.Families.TextToImage;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.TextToImage;

/// <summary>
/// The matching-aware D must judge each (image, text) pair, not its batch. D has BatchNorm; when the three pairs of
/// Algorithm 1 went through D as three separate batches (all right, all wrong, all fake), D could tell a wrong-text
/// batch from a right-text one by its batch statistics alone: on the 1,500-step GAN-INT-CLS run of
/// docs/text-to-image.md, a batch of real images with their right captions scored 0.94, the same batch with the
/// colour, shape or size word swapped also 0.94, but the right captions scored 0.06 once batched together with
/// background-swapped ones. So G was taught only the background.
/// </summary>
public sealed class MatchingAwareBatchTests
{
    private static (MatchingAwareDiscriminator D, Tensor Real, Tensor Right, Tensor Wrong, Tensor Fake) Setup(string norm = "batch")
    {
        manual_seed(5);
        var d = new MatchingAwareDiscriminator(8, 6, projectedDim: 4, channels: 3, width: 4, norm: norm);
        d.train();                                                   // batch statistics, as in training
        using var g = new Generator(11);
        var real = rand(new long[] { 6, 3, 8, 8 }, generator: g).mul(2).sub(1);
        var right = randn(new long[] { 6, 6 }, generator: g);
        var wrong = randn(new long[] { 6, 6 }, generator: g).mul(3);
        var fake = rand(new long[] { 6, 3, 8, 8 }, generator: g).mul(0.2);
        wrong[0] = right[0];                                         // "wrong" pair 0 is the right pair 0
        fake[1] = real[1];                                           // "fake" pair 1 is the real pair 1
        return (d, real, right, wrong, fake);
    }

    [Fact]
    public void APairScoresTheSameWhicheverOfTheThreePairsItIsPresentedAs()
    {
        var (d, real, right, wrong, fake) = Setup();
        using (d)
        using (no_grad())
        {
            var (sr, sw, sf) = d.ScorePairs(real, right, wrong, fake, right);
            Assert.Equal(new long[] { 6 }, sr.shape);
            Assert.Equal(new long[] { 6 }, sw!.shape);
            Assert.Equal(new long[] { 6 }, sf.shape);
            // The same (image, text) pair gets the same score in the wrong and the fake slot as in the right one ...
            Assert.True(Math.Abs(sr[0].item<float>() - sw[0].item<float>()) < 1e-5, $"s_r {sr[0].item<float>()} vs s_w {sw[0].item<float>()} for one pair");
            Assert.True(Math.Abs(sr[1].item<float>() - sf[1].item<float>()) < 1e-5, $"s_r {sr[1].item<float>()} vs s_f {sf[1].item<float>()} for one pair");
            // ... while different pairs score differently (the equalities above are not trivial).
            Assert.True(Math.Abs(sr[2].item<float>() - sw[2].item<float>()) > 1e-3);
            Assert.True(Math.Abs(sr[2].item<float>() - sf[2].item<float>()) > 1e-3);
        }
    }

    [Fact]
    public void WithoutAWrongTextThereIsNoWrongScoreAndTheRealAndFakePairsStillShareTheirStatistics()
    {
        var (d, real, right, _, fake) = Setup();
        using (d)
        using (no_grad())
        {
            var (sr, sw, sf) = d.ScorePairs(real, right, null, fake, right);
            Assert.Null(sw);
            Assert.True(Math.Abs(sr[1].item<float>() - sf[1].item<float>()) < 1e-5, $"s_r {sr[1].item<float>()} vs s_f {sf[1].item<float>()} for one pair");
            Assert.True(Math.Abs(sr[2].item<float>() - sf[2].item<float>()) > 1e-3);
        }
    }

    [Theory]
    [InlineData("layer")]
    [InlineData("none")]
    public void WithPerImageOrNoNormalizationAPairScoresTheSameAloneAsInAnyBatch(string norm)
    {
        var (d, real, right, wrong, fake) = Setup(norm);
        using (d)
        using (no_grad())
        {
            Assert.Equal(norm, d.Norm);
            Assert.DoesNotContain(d.modules(), m => m is TorchSharp.Modules.BatchNorm2d);
            var (sr, sw, sf) = d.ScorePairs(real, right, wrong, fake, right);
            for (int i = 0; i < 6; i++)
            {
                // Scored on its own (a batch of one), each pair of each slot keeps the score it got among the 18.
                var alone = d.call(real.narrow(0, i, 1), right.narrow(0, i, 1)).item<float>();
                Assert.True(Math.Abs(alone - sr[i].item<float>()) < 1e-5, $"{norm}: pair {i} alone {alone} vs in the batch {sr[i].item<float>()}");
                var aloneWrong = d.call(real.narrow(0, i, 1), wrong.narrow(0, i, 1)).item<float>();
                Assert.True(Math.Abs(aloneWrong - sw![i].item<float>()) < 1e-5);
                var aloneFake = d.call(fake.narrow(0, i, 1), right.narrow(0, i, 1)).item<float>();
                Assert.True(Math.Abs(aloneFake - sf[i].item<float>()) < 1e-5);
            }
            Assert.True(Math.Abs(sr[2].item<float>() - sw![2].item<float>()) > 1e-4, $"{norm}: s_r {sr[2].item<float>()} s_w {sw[2].item<float>()} s_f {sf[2].item<float>()}");
        }
    }

    [Fact]
    public void WithBatchNormAPairsScoreDependsOnItsBatchSoTheAloneCheckAboveIsNotTrivial()
    {
        var (d, real, right, wrong, fake) = Setup("batch");
        using (d)
        using (no_grad())
        {
            var (sr, _, _) = d.ScorePairs(real, right, wrong, fake, right);
            var pair = d.call(real.narrow(0, 0, 2), right.narrow(0, 0, 2));
            Assert.True(Math.Abs(pair[0].item<float>() - sr[0].item<float>()) > 1e-4);
        }
    }

    [Fact]
    public void AnUnknownNormalizationIsRefusedInOneLine()
    {
        var ex = Assert.Throws<ArgumentException>(() => new MatchingAwareDiscriminator(8, 6, norm: "instance"));
        Assert.Equal("unknown --d-norm 'instance': use batch, layer, none", ex.Message);
    }
}
