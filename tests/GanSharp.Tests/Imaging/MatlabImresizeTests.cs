using System.Text.Json;
using GanSharp.Imaging;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Imaging;

/// <summary>
/// MatlabImresize against TestData/imresize/imresize.json, written once by TestData/imresize/make_imresize.py (a numpy
/// port of MATLAB's imresize, bicubic with antialiasing and symmetric padding) on a 12×10×2 gradient + checker + bar.
/// </summary>
public class MatlabImresizeTests
{
    static readonly Lazy<JsonElement> Doc = new(() => JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "imresize", "imresize.json"))).RootElement);

    /// <summary>A C×H×W nested JSON array as a 1×C×H×W float64 tensor.</summary>
    static Tensor Chw(JsonElement e)
    {
        var chans = e.EnumerateArray().Select(c => c.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray()).ToArray();
        int c = chans.Length, h = chans[0].Length, w = chans[0][0].Length;
        var flat = chans.SelectMany(ch => ch.SelectMany(r => r)).ToArray();
        return tensor(flat, new long[] { 1, c, h, w }, ScalarType.Float64);
    }

    public static IEnumerable<object[]> Scales() => new[] { 0.25, 0.5, 2.0, 4.0 }.Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Scales))]
    public void MatchesTheMatlabPortInFloat64(double scale)
    {
        var c = Doc.Value.GetProperty("cases").EnumerateArray().Single(x => x.GetProperty("scale").GetDouble() == scale);
        using var input = Chw(Doc.Value.GetProperty("input"));
        using var expected = Chw(c.GetProperty("output"));
        using var actual = MatlabImresize.Resize(input, scale);
        Assert.Equal(expected.shape, actual.shape);
        double err = (actual - expected).abs().max().item<double>();
        Assert.True(err < 1e-9, $"scale {scale}: max |error| {err}");
    }

    [Fact]
    public void Float32MatchesWithinRounding()
    {
        var c = Doc.Value.GetProperty("cases").EnumerateArray().First(x => x.GetProperty("scale").GetDouble() == 0.25);
        using var input = Chw(Doc.Value.GetProperty("input")).to_type(ScalarType.Float32);
        using var expected = Chw(c.GetProperty("output"));
        using var actual = MatlabImresize.Resize(input, 0.25);
        Assert.Equal(ScalarType.Float32, actual.dtype);
        Assert.True((actual.to_type(ScalarType.Float64) - expected).abs().max().item<double>() < 1e-3);
    }

    [Fact]
    public void OutputSizeIsCeilOfScaledSize()
    {
        using var x = zeros(2, 3, 12, 10, ScalarType.Float32);
        using var down = MatlabImresize.Resize(x, 0.25);
        Assert.Equal(new long[] { 2, 3, 3, 3 }, down.shape);   // ceil(2.5) = 3 columns
        using var up = MatlabImresize.Resize(x, 2);
        Assert.Equal(new long[] { 2, 3, 24, 20 }, up.shape);
    }

    [Fact]
    public void WeightMatrixEqualsMatlabContributions()
    {
        var e = Doc.Value.GetProperty("contrib_10_to_3");
        var w = e.GetProperty("weights").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var idx = e.GetProperty("indices").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        var expected = new double[3, 10];
        for (int k = 0; k < 3; k++)
            for (int j = 0; j < w[k].Length; j++)
                expected[k, idx[k][j] - 1] += w[k][j];   // 1-based mirrored indices
        var m = MatlabImresize.WeightMatrix(10, 3, 0.25);
        for (int k = 0; k < 3; k++)
        {
            double rowSum = 0;
            for (int i = 0; i < 10; i++) { Assert.Equal(expected[k, i], m[k, i], 12); rowSum += m[k, i]; }
            Assert.Equal(1.0, rowSum, 12);
        }
    }

    [Fact]
    public void CubicKernelHasKeysValuesForAMinusHalf()
    {
        Assert.Equal(1.0, MatlabImresize.Cubic(0));
        Assert.Equal(0.0, MatlabImresize.Cubic(1));
        Assert.Equal(0.0, MatlabImresize.Cubic(2));
        Assert.Equal(0.5625, MatlabImresize.Cubic(0.5), 12);      // 1.5/8 − 2.5/4 + 1
        Assert.Equal(-0.0625, MatlabImresize.Cubic(-1.5), 12);    // −0.5·3.375 + 2.5·2.25 − 6 + 2
        Assert.Equal(0.0, MatlabImresize.Cubic(2.5));
    }

    [Fact]
    public void ConstantImageStaysConstantAndExactSizeMatchesScale()
    {
        using var x = full(1, 1, 16, 16, 3.5, ScalarType.Float64);
        using var y = MatlabImresize.Resize(x, 0.25);
        Assert.True((y - 3.5).abs().max().item<double>() < 1e-12);
        using var g = arange(0, 256, ScalarType.Float64).reshape(1, 1, 16, 16);
        using var a = MatlabImresize.Resize(g, 0.25);
        using var b = MatlabImresize.ResizeTo(g, 4, 4);
        Assert.True(allclose(a, b, 0, 0));
    }

    [Fact]
    public void Uint8PathRoundsEachPassAsMatlab()
    {
        using var input = Chw(Doc.Value.GetProperty("input")).round().to_type(ScalarType.Byte);
        using var expected = Chw(Doc.Value.GetProperty("uint8_quarter")).to_type(ScalarType.Byte);
        using var actual = MatlabImresize.ResizeBytes(input, 0.25);
        Assert.Equal(ScalarType.Byte, actual.dtype);
        Assert.True(allclose(actual.to_type(ScalarType.Int32), expected.to_type(ScalarType.Int32), 0, 0));
    }

    [Fact]
    public void ToBytesRoundsHalfAwayFromZeroAndSaturates()
    {
        using var v = tensor(new double[] { -3, 0.5, 1.5, 2.5, 2.49, 254.5, 300 });
        Assert.Equal(new byte[] { 0, 1, 2, 3, 2, 255, 255 }, ImageTensor.ToBytes(v).data<byte>().ToArray());
    }

    [Fact]
    public void BadInputIsRejected()
    {
        using var x = zeros(3, 8, 8);
        Assert.Throws<ArgumentException>(() => MatlabImresize.Resize(x, 0.5));
        using var bytes = zeros(1, 3, 8, 8, ScalarType.Byte);
        Assert.Throws<ArgumentException>(() => MatlabImresize.Resize(bytes, 0.5));
        using var ok = zeros(1, 3, 8, 8);
        Assert.Throws<ArgumentOutOfRangeException>(() => MatlabImresize.Resize(ok, 0));
    }
}
