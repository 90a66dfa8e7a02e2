using GanSharp.Families.TextToImage;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.TextToImage;

public class JointEmbeddingTests
{
    readonly ITestOutputHelper _out;

    public JointEmbeddingTests(ITestOutputHelper output)
    {
        _out = output;
        set_num_threads(1);
    }

    static readonly float[,] S = { { 3, 1, 2.5f }, { 0, 1, 1.5f }, { 2, 2, 2 } };

    [Fact]
    public void HingeOnA3x3MatrixMatchesTheHandValue()
    {
        // Image → text rows (margin 1): i=0: j=2 gives 0.5; i=1: j=2 gives 1.5; i=2: j=0 and j=1 give 1 each → 4.
        // Text → image columns: j=1: i=0 gives 1, i=2 gives 2; j=2: i=0 gives 1.5, i=1 gives 0.5 → 5. (4 + 5) / 3 = 3.
        var scores = tensor(S);
        Assert.Equal(3.0, JointEmbeddingLoss.FromScores(scores).item<float>(), 5);
        // Marking images 1 and 2 as the same removes (1,2) and (2,1) from both directions: 1.5 + 1 + 2 + 0.5 → 4 / 3.
        var same = tensor(new[,] { { true, false, false }, { false, true, true }, { false, true, true } });
        Assert.Equal(4.0 / 3, JointEmbeddingLoss.FromScores(scores, same: same).item<float>(), 5);
        // Margin 0: only strict violations count: rows 1.5−1 = 0.5, col j=1: i=2 gives 1, col j=2: i=0 gives 0.5 → 2 / 3.
        Assert.Equal(2.0 / 3, JointEmbeddingLoss.FromScores(scores, margin: 0).item<float>(), 5);
        Assert.Equal(0f, JointEmbeddingLoss.FromScores(eye(3).mul(10)).item<float>());
    }

    [Fact]
    public void LossOfEmbeddingsIsLossOfTheirDotProducts()
    {
        using var g = new Generator(3);
        var img = randn(new long[] { 5, 4 }, generator: g);
        var txt = randn(new long[] { 5, 4 }, generator: g);
        Assert.Equal(JointEmbeddingLoss.FromScores(img.mm(txt.t())).item<float>(), JointEmbeddingLoss.Loss(img, txt).item<float>(), 5);
        var s = JointEmbeddingLoss.Compatibility(img, txt);
        Assert.Equal(img[1].dot(txt[3]).item<float>(), s[1, 3].item<float>(), 5);
        var attrs = tensor(new long[,] { { 1, 2 }, { 1, 2 }, { 1, 3 } });
        Assert.Equal(new[] { true, true, false, true, true, false, false, false, true }, JointEmbeddingLoss.SamePairs(attrs, null, 3).data<bool>().ToArray());
    }

    [Theory]
    [InlineData(TextEncoderKind.Cnn)]
    [InlineData(TextEncoderKind.Gru)]
    public void TextEncoderIgnoresPaddingAndReadsTokens(TextEncoderKind kind)
    {
        manual_seed(1);
        using var enc = new TextEncoder(10, embeddingDim: 8, wordDim: 4, hiddenDim: 6, kind);
        enc.eval();
        var ids = tensor(new long[,] { { 3, 4, 5, 0, 0 }, { 3, 4, 5, 0, 0 }, { 3, 4, 6, 0, 0 }, { 7, 0, 0, 0, 0 } });
        var (_, mask) = (ids, ids.ne(0));
        var e = enc.call(ids, mask);
        Assert.Equal(new long[] { 4, 8 }, e.shape);
        Assert.True(e[0].allclose(e[1]));
        Assert.False(e[0].allclose(e[2], 1e-4, 1e-4));
        // The same caption in a narrower batch (L = 3) encodes the same: the padding after it is never read.
        var narrow = enc.call(ids.narrow(1, 0, 3), mask.narrow(1, 0, 3));
        Assert.True(narrow.allclose(e, 1e-5, 1e-6));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(64)]
    public void ImageEncoderMapsImagesToTheEmbedding(int size)
    {
        using var enc = new ImageEncoder(size, embeddingDim: 10, width: 8);
        Assert.Equal(new long[] { 2, 10 }, enc.call(zeros(2, 3, size, size)).shape);
        Assert.Throws<ArgumentException>(() => new ImageEncoder(24));
    }

    /// <summary>Top-1 share over 25 groups of 4 images: is each image's own caption the best of its group's four?</summary>
    static double GroupsOfFourTop1(JointEmbeddingResult pair, GanSharp.Data.TensorDataset data)
    {
        int right = 0;
        using var _ = no_grad();
        for (long start = 0; start < 100; start += 4)
        {
            var idx = arange(start, start + 4);
            var text = data.ExtraFields["text"].index_select(0, idx);
            var s = JointEmbeddingLoss.Compatibility(pair.Image.call(data.Gather(idx)), pair.Text.call(text, text.ne(0)));
            right += (int)s.argmax(1).eq(arange(4)).sum().item<long>();
        }
        return right / 100.0;
    }

    [Fact]
    public void TrainingOnTinyShapesLowersTheLossAndRanksTheRightCaptionFirst()
    {
        using var data = CaptionedShapes.Generate(256, 16, seed: 1);
        var opts = new JointEmbeddingOptions { BatchSize = 16, LearningRate = 5e-3, EmbeddingDim = 64, WordDim = 32, HiddenDim = 64, ImageWidth = 16 };
        using var pair = JointEmbeddingTrainer.Train(data, 50, seed: 2, opts);
        double first = pair.Losses.Take(10).Average(), last = pair.Losses.TakeLast(10).Average();
        double top1 = GroupsOfFourTop1(pair, data);
        _out.WriteLine($"loss {first:0.00} → {last:0.00}; own caption first in {top1:P0} of groups of 4 (chance 25 %)");
        Assert.True(last < 0.5 * first, $"loss {first:0.00} → {last:0.00}");
        Assert.True(top1 > 0.5, $"own caption first for only {top1:P0}");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void GruEncoderAlsoLearns()
    {
        using var data = CaptionedShapes.Generate(256, 16, seed: 1);
        var opts = new JointEmbeddingOptions { BatchSize = 16, LearningRate = 5e-3, EmbeddingDim = 64, WordDim = 32, HiddenDim = 64, ImageWidth = 16, TextEncoder = TextEncoderKind.Gru };
        using var pair = JointEmbeddingTrainer.Train(data, 100, seed: 2, opts);
        double first = pair.Losses.Take(10).Average(), last = pair.Losses.TakeLast(10).Average();
        double top1 = GroupsOfFourTop1(pair, data);
        _out.WriteLine($"GRU: loss {first:0.00} → {last:0.00}; own caption first in {top1:P0} of groups of 4 (chance 25 %)");
        Assert.True(last < 0.6 * first, $"loss {first:0.00} → {last:0.00}");
        Assert.True(top1 > 0.4, $"own caption first for only {top1:P0}");
    }

    [Theory]
    [InlineData(TextEncoderKind.Cnn)]
    [InlineData(TextEncoderKind.Gru)]
    public void EncodersRoundTripThroughAFileBitForBit(TextEncoderKind kind)
    {
        using var dir = new TestUtil.TempDir();
        manual_seed(7);
        using var text = new TextEncoder(12, embeddingDim: 6, wordDim: 5, hiddenDim: 7, kind);
        using var image = new ImageEncoder(16, embeddingDim: 6, width: 4);
        text.save(Path.Combine(dir.Path, "text.bin"));
        image.save(Path.Combine(dir.Path, "image.bin"));
        manual_seed(8);
        using var text2 = new TextEncoder(12, embeddingDim: 6, wordDim: 5, hiddenDim: 7, kind);
        using var image2 = new ImageEncoder(16, embeddingDim: 6, width: 4);
        text2.load(Path.Combine(dir.Path, "text.bin"));
        image2.load(Path.Combine(dir.Path, "image.bin"));
        foreach (var m in new TorchSharp.torch.nn.Module[] { text, image, text2, image2 }) m.eval();
        var ids = tensor(new long[,] { { 2, 3, 4, 0 }, { 5, 11, 0, 0 } });
        Assert.True(text.call(ids, ids.ne(0)).equal(text2.call(ids, ids.ne(0))).all().item<bool>());
        var x = randn(2, 3, 16, 16);
        Assert.True(image.call(x).equal(image2.call(x)).all().item<bool>());
    }

    [Fact]
    public void TrainingIsDeterministicPerSeed()
    {
        using var data = CaptionedShapes.Generate(16, 16, seed: 1);
        var opts = new JointEmbeddingOptions { BatchSize = 8, EmbeddingDim = 8, WordDim = 8, HiddenDim = 8, ImageWidth = 4 };
        using var a = JointEmbeddingTrainer.Train(data, 3, 5, opts);
        using var b = JointEmbeddingTrainer.Train(data, 3, 5, opts);
        using var c = JointEmbeddingTrainer.Train(data, 3, 6, opts);
        Assert.Equal(a.Losses, b.Losses);
        Assert.NotEqual(a.Losses, c.Losses);
    }
}
