using GanSharp.Families.ImageToImage;
using GanSharp.Imaging;
using GanSharp.Tests.Imaging;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.ImageToImage;

public class PhotoSourcesTests
{
    static void Png(string path, int w, int h)
    {
        using var img = zeros(new long[] { 3, h, w }, ScalarType.Byte);
        ImageTensor.SavePng(path, img);
    }

    [Fact]
    public void WithoutAptNothingRuns()
    {
        using var dir = new TempDir();
        var r = PhotoSources.Fetch(dir.Path, findProgram: _ => null, run: (_, _, _) => throw new InvalidOperationException("must not run"));
        Assert.False(r.Available);
        Assert.Contains("apt-get", r.Reason);
        Assert.Empty(r.Photos);
    }

    [Fact]
    public void DownloadsUnpacksListsAndCaches()
    {
        using var dir = new TempDir();
        var calls = new List<string>();
        (int, string) Fake(string program, IReadOnlyList<string> args, string cwd)
        {
            calls.Add($"{Path.GetFileName(program)} {string.Join(' ', args)}");
            if (args[0] == "download")
            {
                if (args[1] == "missing-wallpapers") return (100, "E: Unable to locate package missing-wallpapers");
                File.WriteAllText(Path.Combine(cwd, $"{args[1]}_1.0_all.deb"), "deb");
                return (0, "");
            }
            string root = args[2];   // dpkg -x DEB TARGET
            if (args[1].Contains("mate-backgrounds"))
            {
                Png(Path.Combine(Directory.CreateDirectory(Path.Combine(root, "usr/share/backgrounds/mate/nature")).FullName, "lake.png"), 20, 16);
                Png(Path.Combine(Directory.CreateDirectory(Path.Combine(root, "usr/share/backgrounds/mate/abstract")).FullName, "swirl.png"), 20, 16);
            }
            else
            {
                var images = Directory.CreateDirectory(Path.Combine(root, "usr/share/wallpapers/Hill/contents/images")).FullName;
                Png(Path.Combine(images, "20x16.png"), 20, 16);
                Png(Path.Combine(images, "40x32.png"), 40, 32);
                Png(Path.Combine(root, "usr/share/wallpapers/tiny.png"), 8, 8);
            }
            return (0, "");
        }
        string[] packages = ["mate-backgrounds", "plasma-workspace-wallpapers", "missing-wallpapers"];
        var r = PhotoSources.Fetch(dir.Path, packages, minSide: 16, run: Fake, findProgram: p => "/usr/bin/" + p);
        Assert.True(r.Available);
        Assert.Equal(new[] { "lake.png", "40x32.png" }, r.Photos.Select(p => Path.GetFileName(p)).OrderDescending().ToArray());   // nature only; largest size variant; tiny skipped
        Assert.Contains("Unable to locate package", r.Failed["missing-wallpapers"]);
        Assert.Equal(5, calls.Count);   // 3 downloads, 2 unpacks

        calls.Clear();
        var again = PhotoSources.Fetch(dir.Path, packages[..2], minSide: 16, run: Fake, findProgram: p => "/usr/bin/" + p);
        Assert.Empty(calls);            // unpacked packages are not fetched again
        Assert.Equal(r.Photos, again.Photos);
    }

    [Fact]
    public void SizeVariantsOfOnePictureCountOnce()
    {
        using var dir = new TempDir();
        string sway = Directory.CreateDirectory(Path.Combine(dir.Path, "sway")).FullName;
        Png(Path.Combine(sway, "Blue_1136x640.png"), 24, 16);
        Png(Path.Combine(sway, "Blue_1136x640_Portrait.png"), 16, 24);
        Png(Path.Combine(sway, "Blue_2048x1536.png"), 32, 24);
        Png(Path.Combine(sway, "Red.png"), 16, 16);
        string kde = Path.Combine(dir.Path, "wallpapers", "Kay", "contents");
        Png(Path.Combine(Directory.CreateDirectory(Path.Combine(kde, "images")).FullName, "5120x2880.png"), 40, 24);
        Png(Path.Combine(Directory.CreateDirectory(Path.Combine(kde, "images_dark")).FullName, "5120x2880.png"), 40, 24);
        var photos = PhotoSources.ListPhotos(dir.Path, minSide: 16).Select(p => Path.GetRelativePath(dir.Path, p).Replace('\\', '/')).ToArray();
        Assert.Equal(new[] { "sway/Blue_2048x1536.png", "sway/Red.png", "wallpapers/Kay/contents/images/5120x2880.png" }, photos);
    }

    [Fact]
    public void GatherLinksEveryPhotoIntoOneFlatFolder()
    {
        using var dir = new TempDir();
        string root = Path.Combine(dir.Path, "root");
        string a = Path.Combine(Directory.CreateDirectory(Path.Combine(root, "pkg", "usr", "share")).FullName, "a.png");
        string b = Path.Combine(root, "pkg", "b.png");
        Png(a, 16, 16);
        Png(b, 16, 20);
        string all = PhotoSources.Gather([a, b], Path.Combine(dir.Path, "all"), root);
        Assert.Equal(new[] { "pkg__b.png", "pkg__usr__share__a.png" }, Directory.GetFiles(all).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        using var read = ImageTensor.Load(Path.Combine(all, "pkg__b.png"));
        Assert.Equal(new long[] { 3, 20, 16 }, read.shape);
        PhotoSources.Gather([a], all, root);                      // b no longer listed: its link goes
        Assert.Equal(new[] { "pkg__usr__share__a.png" }, Directory.GetFiles(all).Select(Path.GetFileName).ToArray());
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void FetchesARealWallpaperPackageWhereAptIsPresent()
    {
        if (PhotoSources.FindOnPath("apt-get") is null) return;   // not a Debian system: nothing to fetch
        using var dir = new TempDir();
        var r = PhotoSources.Fetch(dir.Path, ["lomiri-wallpapers"], minSide: 512);
        Assert.True(r.Available);
        Assert.True(r.Failed.Count == 0, "apt-get download failed (run apt-get update?): " + string.Join("; ", r.Failed.Values));
        Assert.NotEmpty(r.Photos);
        using var first = ImageTensor.Load(r.Photos[0]);
        Assert.True(first.shape[1] >= 512 && first.shape[2] >= 512);
    }
}
