using GanSharp.Data;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Data;

public class StackedMnistTests
{
    [Fact]
    public void EachChannelIsASourceDigitAndTheLabelIsTheTriple()
    {
        // Ten "digits": image i is filled with value 10·i, label i.
        var pixels = arange(10).mul(10).to_type(ScalarType.Byte).reshape(10, 1, 1, 1).expand(10, 1, 28, 28).contiguous();
        using var digits = new TensorDataset("tiny", pixels, arange(10), 10);
        using var stacked = StackedMnist.Build(digits, 500, seed: 3);
        Assert.Equal(new long[] { 500, 3, 28, 28 }, stacked.Data.shape);
        Assert.Equal(1000, stacked.NumClasses);
        var corner = stacked.Data.select(2, 0).select(2, 0).to_type(ScalarType.Int64) / 10; // 500 × 3 digits
        var expected = corner.select(1, 0) * 100 + corner.select(1, 1) * 10 + corner.select(1, 2);
        Assert.True(expected.equal(stacked.Labels!).all().item<bool>());
        // Random triples: many distinct ones, and the same seed gives the same data.
        Assert.True(stacked.Labels!.unique().Item1.shape[0] > 300);
        using var again = StackedMnist.Build(digits, 500, seed: 3);
        Assert.True(again.Data.equal(stacked.Data).all().item<bool>());
    }

    [Fact]
    public void NeedsLabelledDigits()
    {
        using var points = new TensorDataset("p", zeros(4, 2));
        Assert.Throws<DataException>(() => StackedMnist.Build(points, 10, 1));
    }
}
