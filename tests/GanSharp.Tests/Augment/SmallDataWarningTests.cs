using GanSharp.Augment;
using Xunit;

namespace GanSharp.Tests.Augment;

public class SmallDataWarningTests
{
    [Fact]
    public void WarnsForSmallFoldersTrainedLongAndSuggestsAdaAndMirror()
    {
        Assert.Equal(2_500, SmallDataWarning.MinimumImages(32));
        Assert.Equal(10_000, SmallDataWarning.MinimumImages(64));
        Assert.Equal(40_000, SmallDataWarning.MinimumImages(128));
        Assert.Equal(2_000, SmallDataWarning.MinimumImages(16));
        Assert.Equal(50_000, SmallDataWarning.MinimumImages(512));

        // The case: 1,000 RGBA images at 32 px, 2,000 steps of batch 32 (64 epochs).
        var text = SmallDataWarning.Check(1_000, 32, 2_000, 32);
        Assert.NotNull(text);
        Assert.Contains("--augment ada --mirror", text);
        Assert.Contains("1000 images", text);
        Assert.Null(SmallDataWarning.Check(60_000, 28, 10_000, 64));      // MNIST
        Assert.Null(SmallDataWarning.Check(1_000, 32, 300, 32));          // 9.6 epochs: too short to memorize
        Assert.NotNull(SmallDataWarning.Check(9_000, 64, 10_000, 64));    // 71 epochs of 9,000 at 64 px
        Assert.Throws<ArgumentOutOfRangeException>(() => SmallDataWarning.Check(0, 32, 10, 1));
    }
}
