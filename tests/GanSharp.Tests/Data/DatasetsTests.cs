using Xunit;
using GanSharp.Data;
using StbImageWriteSharp;

namespace GanSharp.Tests.Data;

public class DatasetsTests
{
    [Fact]
    public void UnknownNameThatIsNoFolderIsAnError()
    {
        var e = Assert.Throws<DataException>(() => Datasets.Open("cifar-99", new DatasetOpenOptions()));
        Assert.Equal("unknown dataset 'cifar-99': use one of mnist, fashion-mnist, stacked-mnist, ring, grid or a folder of images", e.Message);
    }

    [Fact]
    public void KnownListsEveryName()
    {
        Assert.Equal(["mnist", "fashion-mnist", "stacked-mnist", "ring", "grid", "<folder path>"], Datasets.Known.Select(k => k.Name));
        Assert.All(Datasets.Known, k => Assert.False(string.IsNullOrWhiteSpace(k.Description)));
    }

    [Fact]
    public void RingAndGridUseCountAndSeed()
    {
        using var ring = Datasets.Open("ring", new DatasetOpenOptions { Count = 50, Seed = 1 });
        using var grid = Datasets.Open("grid", new DatasetOpenOptions { Count = 60, Seed = 1 });
        Assert.Equal((50L, 8), (ring.Count, ring.NumClasses));
        Assert.Equal((60L, 25), (grid.Count, grid.NumClasses));
    }

    [Fact]
    public void FolderUsesSizeAndChannels()
    {
        using var dir = new TempDir();
        using (var f = File.Create(dir["x.png"]))
            new ImageWriter().WritePng(new byte[8 * 8 * 3], 8, 8, ColorComponents.RedGreenBlue, f);

        using var ds = Datasets.Open(dir.Path, new DatasetOpenOptions { Size = 4, Channels = 1 });

        Assert.Equal(new long[] { 1, 1, 4, 4 }, ds.Data.shape);
    }

    [Fact]
    public void MnistGoesThroughTheDataDir()
    {
        using var dir = new TempDir();
        var (images, labels) = IdxFiles.TinyMnist();
        File.WriteAllBytes(dir[Mnist.TestImages], images);
        File.WriteAllBytes(dir[Mnist.TestLabels], labels);

        using var ds = Datasets.Open("mnist", new DatasetOpenOptions { DataDir = dir.Path, Split = "test" });

        Assert.Equal("mnist-test", ds.Name);
        Assert.Equal(3, ds.Count);
    }
}
