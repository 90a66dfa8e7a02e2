using GanSharp.Data;
using GanSharp.Data.Synthetic;
using GanSharp.Imaging;
using GanSharp.Metrics;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.Synthetic;

public sealed class DigitStudyTests
{
    public DigitStudyTests() => set_num_threads(1);

    static TensorDataset Digits(int count, long seed) => new("digits", FontDigits.Render(FontDigits.EmbeddedFonts(), count, seed).Images,
        FontDigits.Render(FontDigits.EmbeddedFonts(), count, seed).Labels, 10);

    [Fact]
    public void LabelledFolderRoundTripsBitForBit()
    {
        using var tmp = new TestUtil.TempDir();
        using var d = Digits(30, 2);
        Assert.Equal(30, LabelledFolder.Write(d, tmp.Path));
        Assert.True(File.Exists(Path.Combine(tmp.Path, d.Labels![0].item<long>().ToString(), "000000.png")));
        using var back = LabelledFolder.Load(tmp.Path);
        // Files are read in path order (class folder, then index): compare as a set of (label, image) rows.
        var order = d.Labels!.data<long>().ToArray().Select((l, i) => (l, i)).OrderBy(p => p.l).ThenBy(p => p.i).Select(p => (long)p.i).ToArray();
        using var idx = tensor(order);
        Assert.True(back.Data.equal(d.Data.index_select(0, idx)).all().item<bool>());
        Assert.True(back.Labels!.equal(d.Labels.index_select(0, idx)).all().item<bool>());
        Assert.Equal(10, back.NumClasses);
    }

    [Fact]
    public void LabelledFolderRefusesStrayAndOddSizedImagesInOneLine()
    {
        using var tmp = new TestUtil.TempDir();
        Directory.CreateDirectory(Path.Combine(tmp.Path, "3"));
        ImageTensor.SavePng(Path.Combine(tmp.Path, "3", "a.png"), zeros(new long[] { 1, 28, 28 }, dtype: ScalarType.Byte));
        ImageTensor.SavePng(Path.Combine(tmp.Path, "stray.png"), zeros(new long[] { 1, 28, 28 }, dtype: ScalarType.Byte));
        var e = Assert.Throws<DataException>(() => LabelledFolder.Load(tmp.Path));
        Assert.StartsWith($"{Path.Combine(tmp.Path, "stray.png")} is not in a class folder", e.Message);
        File.Delete(Path.Combine(tmp.Path, "stray.png"));
        ImageTensor.SavePng(Path.Combine(tmp.Path, "3", "b.png"), zeros(new long[] { 1, 20, 28 }, dtype: ScalarType.Byte));
        e = Assert.Throws<DataException>(() => LabelledFolder.Load(tmp.Path));
        Assert.Equal($"{Path.Combine(tmp.Path, "3", "b.png")} is 28×20, but {Path.Combine(tmp.Path, "3", "a.png")} is 28×28: every image of a labelled folder must have one size", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ClassifierLearnsIsSeededAndAccuracyCountsArgMaxHits()
    {
        using var train = Digits(200, 3);
        var o = new DigitStudyOptions { Steps = 150, Batch = 32, Seed = 4 };
        using var a = DigitStudy.Train(train, o);
        using var b = DigitStudy.Train(train, o);
        foreach (var ((name, pa), (_, pb)) in a.named_parameters().Zip(b.named_parameters()))
            Assert.True(pa.equal(pb).all().item<bool>(), $"{name} differs between two runs of one seed");
        // It fits its training digits (one font family, two weights: an easy set).
        Assert.True(DigitStudy.Accuracy(x => a.call(x), train) > 0.9);

        // Accuracy by hand: logits that always say 3 are right exactly on the 3s.
        using var fixedThree = zeros(1, 10).index_fill_(1, tensor(new long[] { 3 }), 1f);
        double threes = train.Labels!.eq(3).sum().item<long>() / 200.0;
        Assert.Equal(threes, DigitStudy.Accuracy(x => fixedThree.expand(x.shape[0], 10), train), 12);
    }

    [Fact]
    public void ClassifierFidIsZeroForTheSameSetAndPositiveForAnother()
    {
        using var net = FeatureNetworks.Load("mnist-cnn");
        using var a = Digits(300, 5);
        using var b = Digits(300, 6);
        Assert.Equal(0, DigitStudy.ClassifierFid(net, a, a), 6);
        double ab = DigitStudy.ClassifierFid(net, a, b);
        Assert.True(ab > 0.01, $"FID between two sets of 300 digits: {ab}");
        using var rgb = new TensorDataset("rgb", zeros(new long[] { 4, 3, 28, 28 }, dtype: ScalarType.Byte));
        var e = Assert.Throws<DataException>(() => DigitStudy.ClassifierFid(net, a, rgb));
        Assert.Equal("'rgb' has examples of shape [3×28×28]; mnist-cnn takes [1×28×28]", e.Message);
    }

    [Fact]
    public void ClassifierFidTakesItsImagesAcrossTheWholeSetNotItsFirstOnes()
    {
        // ⌊i·count/limit⌋ by hand; all of a set that fits.
        Assert.Equal(new long[] { 0, 2, 5, 7 }, DigitStudy.SpreadIndices(10, 4).data<long>().ToArray());
        Assert.Equal(new long[] { 0, 1, 2 }, DigitStudy.SpreadIndices(3, 10).data<long>().ToArray());
        Assert.Throws<ArgumentException>(() => DigitStudy.SpreadIndices(10, 0));

        // A set sorted by class, as a labelled folder loads: the first 100 of 300 are the low classes only. With a
        // limit of 100, the FID against the evenly spread 100 is 0 (the same images), against the first 100 it is not.
        using var net = FeatureNetworks.Load("mnist-cnn");
        using var d = Digits(300, 5);
        using var order = d.Labels!.argsort();
        using var sorted = new TensorDataset("sorted", d.Data.index_select(0, order), d.Labels!.index_select(0, order), 10);
        using var spread = new TensorDataset("spread", sorted.Data.index_select(0, DigitStudy.SpreadIndices(300, 100)));
        using var first = new TensorDataset("first", sorted.Data.narrow(0, 0, 100));
        Assert.Equal(0, DigitStudy.ClassifierFid(net, sorted, spread, limit: 100), 6);
        Assert.True(DigitStudy.ClassifierFid(net, sorted, first, limit: 100) > 1, "the first 100 of a class-sorted set differ from an even spread");
    }
}
