using GanSharp.Data.Synthetic;
using GanSharp.Imaging;
using Xunit;

namespace GanSharp.Tests.Data.Synthetic;

public class SyntheticSheetsTests
{
    [Fact]
    public void SheetsHaveOneCellPerDigitAndPerYaw()
    {
        using var dir = new TestUtil.TempDir();
        string digits = Path.Combine(dir.Path, "digits.png"), heads = Path.Combine(dir.Path, "heads.png");
        SyntheticSheets.FontDigitSheet(digits, FontDigits.EmbeddedFonts(), perDigit: 2, seed: 1, scale: 1);
        var (_, w, h, _) = ImageFile.Load(digits);
        Assert.Equal((10 * 30 + 2, 2 * 30 + 2), (w, h));   // 28-pixel cells, 2-pixel padding
        TorchSharp.torch.set_num_threads(1);
        SyntheticSheets.HeadSheet(heads, identities: 1, seed: 0, size: 16, supersample: 1);
        (_, w, h, _) = ImageFile.Load(heads);
        Assert.Equal((13 * 18 + 2, 18 + 2), (w, h));
    }
}
