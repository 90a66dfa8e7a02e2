using GanSharp.Data;
using GanSharp.Families.TextToImage;
using GanSharp.Latent;
using GanSharp.Tests.Data;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.TextToImage;

public class CaptionedMnistTests
{
    /// <summary>A bar of ink: <paramref name="width"/> columns wide, rows 6..6+length, shifted by shear·(row − 14) columns.</summary>
    static byte[] Bar(int width, int length = 16, double shear = 0)
    {
        var p = new byte[28 * 28];
        for (int y = 6; y < 6 + length; y++)
            for (int x = 0; x < width; x++)
                p[y * 28 + 12 + x + (int)Math.Round(shear * (y - 14))] = 255;
        return p;
    }

    static TensorDataset Digits(params byte[][] images) =>
        new("tiny", tensor(images.SelectMany(b => b).ToArray(), [images.Length, 1, 28, 28]), arange(images.Length), 10);

    static string Words(string phrase) => " " + string.Join(' ', Vocabulary.Tokenize(phrase)) + " ";

    [Fact]
    public void ThicknessAndSizeBucketByTertilesAndCaptionsSayThem()
    {
        using var digits = Digits(Bar(1), Bar(3), Bar(5), Bar(1), Bar(3), Bar(5), Bar(1), Bar(3), Bar(5));
        using var d = CaptionedMnist.Build(digits, "mnist", seed: 1);
        var a = d.ExtraFields[CaptionFields.Attributes];
        Assert.Equal(new long[] { 9, 4 }, a.shape);
        Assert.Equal(Enumerable.Range(0, 9).Select(i => (long)i), a.select(1, 0).data<long>().ToArray());
        Assert.Equal(new long[] { 0, 1, 2, 0, 1, 2, 0, 1, 2 }, a.select(1, 1).data<long>().ToArray()); // thin, regular, thick
        Assert.Equal(new long[] { 0, 1, 2, 0, 1, 2, 0, 1, 2 }, a.select(1, 3).data<long>().ToArray()); // ink area grows with width
        Assert.Equal(Enumerable.Repeat(1L, 9), a.select(1, 2).data<long>().ToArray());                  // all upright
        Assert.True(d.Data.equal(digits.Data).all().item<bool>());
        Assert.True(d.Labels!.equal(digits.Labels!).all().item<bool>());

        var vocab = CaptionFields.VocabularyOf(d);
        var captions = d.ExtraFields[CaptionFields.Captions];
        Assert.Equal(new long[] { 9, 5, CaptionedMnist.MaxTokens }, captions.shape);
        for (int i = 0; i < 9; i++)
            for (int k = 0; k < 5; k++)
            {
                var text = " " + vocab.Decode(captions[i, k].data<long>().ToArray()) + " ";
                Assert.DoesNotContain("<unk>", text);
                Assert.Contains(CaptionedMnist.DigitWords[i], w => text.Contains(Words(w)));
                Assert.Contains(CaptionedMnist.ThicknessWords[i % 3], w => text.Contains(Words(w)));
                Assert.Contains(CaptionedMnist.SizeWords[i % 3], w => text.Contains(Words(w)));
                Assert.Contains(CaptionedMnist.SlantWords[1], w => text.Contains(Words(w)));
            }
    }

    [Fact]
    public void SlantBucketsFollowTheMeasuredSlant()
    {
        using var digits = Digits(Bar(2, shear: 0.4), Bar(2), Bar(2, shear: -0.4), Bar(2, shear: 0.4), Bar(2), Bar(2, shear: -0.4));
        var measured = DigitAttributes.Slant(digits.Gather(arange(6))).data<float>().ToArray();
        using var d = CaptionedMnist.Build(digits, "mnist", seed: 1);
        var slant = d.ExtraFields[CaptionFields.Attributes].select(1, 2).data<long>().ToArray();
        for (int i = 0; i < 6; i++)
            Assert.Equal(measured[i] > 0.05 ? 2 : measured[i] < -0.05 ? 0 : 1, slant[i]);   // right leans are positive slant
        Assert.Equal(2, slant.Count(s => s == 2));
        Assert.Equal(2, slant.Count(s => s == 0));
    }

    [Fact]
    public void GivenThresholdsAreUsedAndCaptionsAreDeterministic()
    {
        using var digits = Digits(Bar(1), Bar(3), Bar(5));
        var all = new DigitCaptionThresholds(ThinBelow: 10, ThickAbove: 20, LeftBelow: -1, RightAbove: 1, SmallBelow: 0.9, LargeAbove: 0.95);
        using var d = CaptionedMnist.Build(digits, "fashion-mnist", seed: 3, all);
        Assert.Equal(Enumerable.Repeat(0L, 3), d.ExtraFields[CaptionFields.Attributes].select(1, 1).data<long>().ToArray());
        Assert.Same(all, d.Attachments[CaptionedMnist.ThresholdsKey]);
        using var again = CaptionedMnist.Build(digits, "fashion-mnist", seed: 3, all);
        using var other = CaptionedMnist.Build(digits, "fashion-mnist", seed: 4, all);
        Assert.True(d.ExtraFields[CaptionFields.Captions].equal(again.ExtraFields[CaptionFields.Captions]).all().item<bool>());
        Assert.False(d.ExtraFields[CaptionFields.Captions].equal(other.ExtraFields[CaptionFields.Captions]).all().item<bool>());
        var text = " " + CaptionFields.VocabularyOf(d).Decode(d.ExtraFields[BatchFields.Text][0].data<long>().ToArray()) + " ";
        Assert.Contains(CaptionedMnist.FashionWords[0], w => text.Contains(Words(w)));   // label 0: t-shirt
    }

    [Fact]
    public void RefusesUnlabelledOrColourData()
    {
        using var unlabelled = new TensorDataset("u", zeros(new long[] { 2, 1, 28, 28 }, ScalarType.Byte));
        Assert.Throws<DataException>(() => CaptionedMnist.Build(unlabelled, "mnist", 0));
        using var digits = Digits(Bar(1));
        Assert.Throws<DataException>(() => CaptionedMnist.Build(digits, "cifar", 0));
    }

    [Fact]
    public void ProvidersOpenTheTestSplitWithTheTrainingThresholds()
    {
        Assert.True(Datasets.Providers.ContainsKey("mnist-captions"));
        Assert.True(Datasets.Providers.ContainsKey("fashion-captions"));
        using var dir = new TestUtil.TempDir();
        var train = new[] { Bar(1), Bar(3), Bar(5), Bar(1), Bar(3), Bar(5) };
        File.WriteAllBytes(Path.Combine(dir.Path, Mnist.TrainImages), IdxFiles.Images(train.SelectMany(b => b).ToArray(), 6, 28, 28));
        File.WriteAllBytes(Path.Combine(dir.Path, Mnist.TrainLabels), IdxFiles.Labels([0, 1, 2, 3, 4, 5]));
        // The test split holds only thick bars: by its own tertiles two would be "regular", by the training split's all are "thick".
        var test = new[] { Bar(5), Bar(5), Bar(6) };
        File.WriteAllBytes(Path.Combine(dir.Path, Mnist.TestImages), IdxFiles.Images(test.SelectMany(b => b).ToArray(), 3, 28, 28));
        File.WriteAllBytes(Path.Combine(dir.Path, Mnist.TestLabels), IdxFiles.Labels([7, 8, 9]));
        using var d = Datasets.Open("mnist-captions", new DatasetOpenOptions { Split = "test", DataDir = dir.Path });
        Assert.Equal(3, d.Count);
        Assert.Equal(new long[] { 2, 2, 2 }, d.ExtraFields[CaptionFields.Attributes].select(1, 1).data<long>().ToArray());
    }
}
