using GanSharp.Latent;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Latent;

public class DigitAttributesTests
{
    /// <summary>A 1×1×28×28 image in [-1, 1] with ink (value 1) where <paramref name="ink"/>(x, y) holds.</summary>
    private static Tensor Draw(Func<int, int, bool> ink)
    {
        var px = new float[28 * 28];
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
                px[y * 28 + x] = ink(x, y) ? 1f : -1f;
        return tensor(px).reshape(1, 1, 28, 28);
    }

    [Fact]
    public void ThickBarIsThickerThanThinBar()
    {
        using var thin = Draw((x, y) => x is >= 13 and < 15 && y is >= 4 and < 24);  // 2×20
        using var thick = Draw((x, y) => x is >= 11 and < 17 && y is >= 4 and < 24); // 6×20
        using var both = cat(new[] { thin, thick }, 0);
        float[] t = DigitAttributes.Thickness(both).data<float>().ToArray();
        Assert.Equal(2.0 * 20 / 22, t[0], 4); // w·L/(w + L)
        Assert.Equal(6.0 * 20 / 26, t[1], 4);
        Assert.True(t[1] > t[0]);
        using var empty = Draw((_, _) => false);
        Assert.Equal(0f, DigitAttributes.Thickness(empty).item<float>());
    }

    [Fact]
    public void SlantSignFollowsTheLean()
    {
        // Image y points down: a bar whose top is to the right leans right ("/").
        using var upright = Draw((x, y) => x is >= 13 and < 15 && y is >= 4 and < 24);
        using var right = Draw((x, y) => y is >= 4 and < 24 && Math.Abs(x - (14 + (14 - y) / 2.0)) < 1.2);
        using var left = Draw((x, y) => y is >= 4 and < 24 && Math.Abs(x - (14 - (14 - y) / 2.0)) < 1.2);
        using var all = cat(new[] { upright, right, left }, 0);
        float[] s = DigitAttributes.Slant(all).data<float>().ToArray();
        Assert.Equal(0.0, s[0], 4);
        Assert.True(s[1] > 0.3, $"right-leaning slant {s[1]}");
        Assert.True(s[2] < -0.3, $"left-leaning slant {s[2]}");
    }

    [Theory]
    [InlineData("thick", AttributeKind.Thickness)]
    [InlineData("slant", AttributeKind.Slant)]
    [InlineData("class:3-8", AttributeKind.Class)]
    public void ParsesAttributes(string text, AttributeKind kind) => Assert.Equal(kind, LatentAttribute.Parse(text).Kind);

    [Theory]
    [InlineData("bold")]
    [InlineData("class:3")]
    [InlineData("class:3-3")]
    [InlineData("class:3-12")]
    public void RejectsUnknownAttributes(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => LatentAttribute.Parse(text));
        Assert.Contains("unknown attribute", e.Message);
    }

    [Fact]
    public void ClassAttributeNeedsAClassifier()
    {
        using var img = Draw((_, _) => false);
        Assert.Throws<ArgumentException>(() => DigitAttributes.Measure(LatentAttribute.Parse("class:1-2"), img, null));
    }
}
