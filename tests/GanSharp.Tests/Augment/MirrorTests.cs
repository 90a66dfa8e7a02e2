using GanSharp.Augment;
using GanSharp.Data;
using GanSharp.Imaging;
using Xunit;
using static TorchSharp.torch;
using static GanSharp.Tests.Augment.DiffAugmentTests;

namespace GanSharp.Tests.Augment;

public class MirrorTests
{
    [Fact]
    public void DoublesTheCountWithTheSecondHalfFlipped()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(1);
        var pixels = randint(0, 256, new long[] { 5, 3, 4, 6 }, generator: g).to_type(ScalarType.Byte);
        var labels = arange(5);
        var fields = new Dictionary<string, Tensor>
        {
            ["source"] = randint(0, 256, new long[] { 5, 1, 4, 6 }, generator: g).to_type(ScalarType.Byte),
            ["text"] = randint(0, 100, new long[] { 5, 7 }, generator: g),
        };
        var vocabulary = new object();
        using var ds = new TensorDataset("toy", pixels, labels, 5, fields, new Dictionary<string, object> { ["vocabulary"] = vocabulary });
        using var m = Mirror.Apply(ds);

        Assert.Equal(10, m.Count);
        Assert.True(Same(m.Data[..5], pixels));
        // Column j of a mirrored image is column W−1−j of the original.
        for (int j = 0; j < 6; j++) Assert.True(Same(m.Data[5.., .., .., j], pixels[.., .., .., 5 - j]));
        Assert.True(Same(m.Labels!, cat(new[] { labels, labels })));
        Assert.True(Same(m.ExtraFields["source"][5..], fields["source"].flip(3)));
        Assert.True(Same(m.ExtraFields["text"], cat(new[] { fields["text"], fields["text"] })));
        Assert.Same(vocabulary, m.Attachments["vocabulary"]);
        Assert.Equal(5, ds.Count);                                                  // the source is untouched
    }

    [Fact]
    public void ACustomFlipMirrorsLandmarksAndPointsAreRejected()
    {
        using var scope = NewDisposeScope();
        var marks = tensor(new float[] { 1, 2, 3, 4 }).view(2, 1, 2);              // N × K × (x, y) in a width-6 image
        using var ds = new TensorDataset("faces", zeros(new long[] { 2, 1, 3, 6 }, ScalarType.Byte),
            fields: new Dictionary<string, Tensor> { ["landmarks"] = marks });
        using var m = Mirror.Apply(ds, (name, v) => name == "landmarks" ? cat(new[] { 5 - v[.., .., ..1], v[.., .., 1..] }, 2) : null);
        Assert.Equal(new float[] { 1, 2, 3, 4, 4, 2, 2, 4 }, m.ExtraFields["landmarks"].data<float>().ToArray());

        using var points = new TensorDataset("ring", zeros(4, 2));
        Assert.Contains("--mirror", Assert.Throws<ArgumentException>(() => Mirror.Apply(points)).Message);
    }
}
