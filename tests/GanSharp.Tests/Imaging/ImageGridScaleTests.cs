using GanSharp.Imaging;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Imaging;

public class ImageGridScaleTests
{
    [Fact]
    public void ScaleRepeatsEveryPixel()
    {
        using var tmp = new TestUtil.TempDir();
        string path = Path.Combine(tmp.Path, "g.png");
        using var img = tensor(new[] { -1f, 1f, 1f, -1f }).reshape(1, 1, 2, 2); // black/white checker
        ImageGrid.Save(img, path, padding: 0, scale: 3);
        var (px, w, h, c) = ImageFile.Load(path);
        Assert.Equal((6, 6, 1), (w, h, c));
        for (int y = 0; y < 6; y++)
            for (int x = 0; x < 6; x++)
                Assert.Equal(((y / 3) + (x / 3)) % 2 == 0 ? 0 : 255, px[y * 6 + x]);
    }
}
