using GanSharp.Data;
using GanSharp.Families.ImageToImage;
using GanSharp.Imaging;
using GanSharp.Tests.Imaging;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.ImageToImage;

public class DataTests
{
    public DataTests() => set_num_threads(1);

    /// <summary>A C×H×W uint8 image whose pixel (c, y, x) = (base + 7c + 3y + 11x) mod 256.</summary>
    static Tensor Pattern(int h, int w, int @base, int c = 3) =>
        (arange(c).reshape(c, 1, 1) * 7 + arange(h).reshape(1, h, 1) * 3 + arange(w).reshape(1, 1, w) * 11 + @base)
            .remainder(256).to_type(ScalarType.Byte);

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.to_type(ScalarType.Int32).equal(b.to_type(ScalarType.Int32)).all().item<bool>();

    [Fact]
    public void SideBySideSplitsIntoHalves()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 3; i++)
        {
            using var pair = cat(new[] { Pattern(8, 8, 10 * i), Pattern(8, 8, 100 + 10 * i) }, 2);   // [A | B], 16 wide
            ImageTensor.SavePng(dir.File($"p{i}.png"), pair);
        }
        using var ab = PairedImages.SideBySide(dir.Path, 8);
        Assert.Equal(new long[] { 3, 3, 8, 8 }, ab.Data.shape);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(Same(ab.Data[i], Pattern(8, 8, 100 + 10 * i)), "target is B");
            Assert.True(Same(ab.ExtraFields[BatchFields.Source][i], Pattern(8, 8, 10 * i)), "source is A");
        }
        using var ba = PairedImages.SideBySide(dir.Path, 8, bToA: true);
        Assert.True(Same(ba.Data[1], Pattern(8, 8, 10)));
        using var resized = PairedImages.SideBySide(dir.Path, 4);
        Assert.Equal(new long[] { 3, 3, 4, 4 }, resized.ExtraFields[BatchFields.Source].shape);

        // a batch gathers the source scaled to [-1, 1] like the image
        using var idx = tensor(new long[] { 2 });
        var extra = ab.GatherExtra(idx);
        using var expected = Pattern(8, 8, 20).unsqueeze(0).to_type(ScalarType.Float32) / 127.5 - 1;
        Assert.True(allclose(extra[BatchFields.Source], expected, 1e-6, 1e-6));
    }

    [Fact]
    public void SideBySideWithOddWidthNamesTheFile()
    {
        using var dir = new TempDir();
        ImageTensor.SavePng(dir.File("ok.png"), Pattern(8, 16, 0));
        ImageTensor.SavePng(dir.File("odd.png"), Pattern(8, 15, 0));
        var e = Assert.Throws<DataException>(() => PairedImages.SideBySide(dir.Path, 8));
        Assert.Contains("odd.png", e.Message);
        Assert.Contains("odd width", e.Message);
    }

    [Fact]
    public void TwoFoldersPairByName()
    {
        using var dir = new TempDir();
        string a = Path.Combine(dir.Path, "A"), b = Path.Combine(dir.Path, "B");
        ImageTensor.SavePng(Path.Combine(a, "x.png"), Pattern(8, 8, 1));
        ImageTensor.SavePng(Path.Combine(a, "y.png"), Pattern(8, 8, 2));
        ImageTensor.SavePng(Path.Combine(b, "y.png"), Pattern(8, 8, 202));
        ImageTensor.SavePng(Path.Combine(b, "x.png"), Pattern(8, 8, 201));
        using var d = PairedImages.TwoFolders(a, b, 8);
        Assert.True(Same(d.ExtraFields[BatchFields.Source][0], Pattern(8, 8, 1)));
        Assert.True(Same(d.Data[0], Pattern(8, 8, 201)));
        Assert.True(Same(d.Data[1], Pattern(8, 8, 202)));

        ImageTensor.SavePng(Path.Combine(a, "z.png"), Pattern(8, 8, 3));
        var missing = Assert.Throws<DataException>(() => PairedImages.TwoFolders(a, b, 8));
        Assert.Contains("z.png", missing.Message);
        Assert.Contains("no partner", missing.Message);

        ImageTensor.SavePng(Path.Combine(b, "z.png"), Pattern(8, 10, 3));
        var size = Assert.Throws<DataException>(() => PairedImages.TwoFolders(a, b, 8));
        Assert.Contains("differs in size", size.Message);

        File.WriteAllText(Path.Combine(b, "z.png"), "not an image");
        var corrupt = Assert.Throws<DataException>(() => PairedImages.TwoFolders(a, b, 8));
        Assert.Contains("z.png", corrupt.Message);
    }

    [Fact]
    public void SobelEdgesOfAStepAreTheTwoColumnsBesideIt()
    {
        using var img = zeros(new long[] { 1, 3, 8, 8 }, ScalarType.Byte);
        img[.., .., .., 4..] = tensor((byte)200);
        using var edges = PairedTasks.SobelEdges(img);
        Assert.Equal(new long[] { 1, 1, 8, 8 }, edges.shape);
        var row = edges[0, 0, 3].data<byte>().ToArray();
        Assert.Equal(new byte[] { 255, 255, 255, 0, 0, 255, 255, 255 }, row);   // |Gx| = 4·200 at columns 3 and 4, dark on white
        Assert.True(Same(edges[0, 0, 0], edges[0, 0, 7]));                        // no vertical gradient

        // a gentle ramp (1 gray level per column) gives |Gx| = (1 + 2 + 1)·2 = 8 inside: nearly white, not stretched
        using var ramp = (arange(8).reshape(1, 1, 1, 8) + 100).expand(1, 1, 8, 8).to_type(ScalarType.Byte);
        using var soft = PairedTasks.SobelEdges(ramp);
        Assert.Equal(247, soft[0, 0, 4, 4].item<byte>());
        Assert.Equal(251, soft[0, 0, 4, 0].item<byte>());                          // replicate padding: (0 + 1)·4 at the edge
    }

    [Fact]
    public void GrayscaleIsStretchedBt601Luma()
    {
        using var px = tensor(new byte[] { 255, 0, 255, 0, 0, 0, 255, 0, 0, 255, 255, 0 }, new long[] { 1, 3, 1, 4 });  // red, blue, white, black
        var g = PairedTasks.Grayscale(px).data<byte>().ToArray();
        Assert.Equal(new byte[] { 76, 29, 255, 0 }, g);   // 65.481·255/219 = 76.2, 24.966·255/219 = 29.1
    }

    [Fact]
    public void MaskedCutsOneGrayRectangleDeterministically()
    {
        using var photos = stack(Enumerable.Range(0, 4).Select(i => Pattern(16, 20, 9 * i)).ToArray());
        using var m = PairedTasks.Masked(photos, 5, out var holes);
        using var again = PairedTasks.Masked(photos, 5);
        Assert.True(Same(m, again));
        for (int i = 0; i < 4; i++)
        {
            var (top, left, hh, ww) = holes[i];
            Assert.InRange(hh, 4, 8);
            Assert.InRange(ww, 5, 10);
            using var inside = zeros(16, 20, ScalarType.Bool);
            inside[top..(top + hh), left..(left + ww)] = tensor(true);
            using var mi = m[i];
            using var pi = photos[i];
            Assert.True(mi.masked_select(inside.expand(3, 16, 20)).eq(128).all().item<bool>());
            Assert.True(Same(mi.masked_select(inside.logical_not().expand(3, 16, 20)), pi.masked_select(inside.logical_not().expand(3, 16, 20))));
        }
    }

    [Fact]
    public void RainIsDeterministicPerSeedAndOnlyBrightens()
    {
        using var photos = stack(Enumerable.Range(0, 3).Select(i => Pattern(32, 32, 40 * i)).ToArray());
        using var a = RainStreaks.Add(photos, 7);
        using var b = RainStreaks.Add(photos, 7);
        using var c = RainStreaks.Add(photos, 8);
        Assert.True(Same(a, b));
        Assert.False(Same(a, c));
        Assert.True(a.ge(photos).all().item<bool>());                    // blended towards white
        double changed = a.ne(photos).to_type(ScalarType.Float32).mean().item<float>();
        Assert.InRange(changed, 0.02, 0.9);
    }

    [Theory]
    [InlineData(0.0, true)]
    [InlineData(90.0, false)]
    public void RainStreaksFollowTheirAngle(double angle, bool vertical)
    {
        using var black = zeros(new long[] { 1, 3, 64, 64 }, ScalarType.Byte);
        var o = new RainOptions { Angle = (angle, angle), Length = (15, 15), Density = (0.003, 0.003), Opacity = (1, 1) };
        using var rainy = RainStreaks.Add(black, 1, o, out var s);
        using var _ = s;
        using var centred = s - s.mean();
        double v = (centred[.., .., 1.., ..] * centred[.., .., ..^1, ..]).mean().item<float>();   // neighbour above/below
        double h = (centred[.., .., .., 1..] * centred[.., .., .., ..^1]).mean().item<float>();   // neighbour left/right
        Assert.True(vertical ? v > 3 * h : h > 3 * v, $"vertical {v}, horizontal {h}");
    }

    [Fact]
    public void LineKernelIsALineOfTheGivenLength()
    {
        using var k = RainStreaks.LineKernel(9, 0);
        int size = (int)k.shape[2], c = size / 2;
        using var cols = k[0, 0].sum(new long[] { 0 });
        var colSums = cols.data<float>().ToArray();
        Assert.True(colSums[c] > 0 && colSums.Where((_, i) => i != c).All(v => v == 0), string.Join(", ", colSums));   // vertical: the centre column only
        Assert.InRange((int)k[0, 0, .., c].gt(0.5f).sum().item<long>(), 9, 10);    // about 9 pixels long
    }

    [Fact]
    public void NoiseHasTheRequestedStatistics()
    {
        using var gray = full(new long[] { 1, 1, 128, 128 }, 128, ScalarType.Byte);
        using var g1 = PairedTasks.GaussianNoise(gray, 10, 3);
        using var g2 = PairedTasks.GaussianNoise(gray, 10, 3);
        Assert.True(Same(g1, g2));
        double std = (g1.to_type(ScalarType.Float64) - 128).std().item<double>();
        Assert.InRange(std, 9.7, 10.3);   // rounding adds 1/12 to the variance: √(100 + 0.08)

        using var p = PairedTasks.PoissonNoise(gray, 30, 4);
        double var = (p.to_type(ScalarType.Float64) - 128).square().mean().item<double>();
        Assert.InRange(var, 0.9 * 128 * 255 / 30.0, 1.1 * 128 * 255 / 30.0);   // variance v·255/peak
        using var paired = PairedTasks.Make(PairedTask.DenoiseGaussian, stack(new[] { Pattern(8, 8, 0) }), seed: 1);
        Assert.Equal(new[] { BatchFields.Image, BatchFields.Source }, paired.Fields);
    }

    static List<string> SolidPhotos(string dir, int count, int w = 40, int h = 36)
    {
        var files = new List<string>();
        for (int i = 0; i < count; i++)
        {
            using var img = full(new long[] { 3, h, w }, 0, ScalarType.Byte);
            img[0] = tensor((byte)(20 * i + 10));
            img[1] = tensor((byte)(200 - 20 * i));
            img[2] = tensor((byte)77);
            files.Add(Path.Combine(dir, $"photo{i}.png"));
            ImageTensor.SavePng(files[^1], img);
        }
        return files;
    }

    [Fact]
    public void SrSplitIsByPhotoAndNoTestPhotoGivesATrainingCrop()
    {
        using var dir = new TempDir();
        var files = SolidPhotos(dir.Path, 6);
        var split = SrData.SplitByImage(files, 0.34, seed: 2);
        Assert.Equal(2, split.Test.Count);
        Assert.Empty(split.Train.Intersect(split.Test));
        Assert.Equal(files.Order(), split.Train.Concat(split.Test).Order());
        Assert.Equal(split.Test, SrData.SplitByImage(files, 0.34, seed: 2).Test);

        using var crops = SrData.RandomCrops(split.Train, 24, hrSize: 16, scale: 4, seed: 1);
        Assert.Equal(new long[] { 24, 3, 16, 16 }, crops.Data.shape);
        var lr = crops.ExtraFields[BatchFields.Source];
        Assert.Equal(new long[] { 24, 3, 4, 4 }, lr.shape);
        var trainReds = split.Train.Select(f => 20 * int.Parse(Path.GetFileNameWithoutExtension(f)[5..]) + 10).ToHashSet();
        var testReds = split.Test.Select(f => 20 * int.Parse(Path.GetFileNameWithoutExtension(f)[5..]) + 10).ToHashSet();
        var seen = crops.Data[.., 0].flatten(1).to_type(ScalarType.Int32).amax(1).data<int>().ToArray();
        Assert.All(seen, r => Assert.Contains(r, trainReds));
        Assert.DoesNotContain(seen, r => testReds.Contains(r));
        Assert.True(Same(lr[.., .., 0, 0], crops.Data[.., .., 0, 0]));   // LR of a flat crop is the same colour
        Assert.Throws<DataException>(() => SrData.SplitByImage(files.Take(1).ToList()));
    }

    [Fact]
    public void CropLrIsResizedInChunksEqualToOneWholeResizeAndScaleOneIsACopy()
    {
        // More crops than one chunk, with a ragged last chunk: the chunked LR must equal a whole-set resize bit for bit.
        int n = SrData.ResizeChunk + 3;
        using var g = new TorchSharp.torch.Generator(7);
        using var hr = randint(0, 256, new long[] { n, 3, 8, 8 }, dtype: ScalarType.Byte, generator: g);
        using var chunked = SrData.Downscale(hr, 4);
        using var whole = MatlabImresize.ResizeBytes(hr, 0.25);
        Assert.Equal(new long[] { n, 3, 2, 2 }, chunked.shape);
        Assert.True(chunked.eq(whole).all().item<bool>());
        // Scale 1 (featnet's patches): the LR is the HR itself, in its own storage.
        using var same = SrData.Downscale(hr, 1);
        Assert.True(same.eq(hr).all().item<bool>());
        same[0, 0, 0, 0] = tensor((byte)(hr[0, 0, 0, 0].item<byte>() ^ 1));
        Assert.False(same.eq(hr).all().item<bool>());
        using var identity = MatlabImresize.ResizeBytes(hr.narrow(0, 0, 4), 1.0);
        Assert.True(identity.eq(hr.narrow(0, 0, 4)).all().item<bool>());   // skipping the ×1 resize changes nothing
    }

    [Fact]
    public void SrCropsSkipSmallPhotosAndRejectBadSizes()
    {
        using var dir = new TempDir();
        var files = SolidPhotos(dir.Path, 2, w: 12, h: 12);
        var warnings = new List<string>();
        var e = Assert.Throws<DataException>(() => SrData.RandomCrops(files, 4, 16, 4, warn: warnings.Add));
        Assert.Contains("16x16", e.Message);
        Assert.Equal(2, warnings.Count);
        Assert.Throws<DataException>(() => SrData.RandomCrops(files, 4, 10, 4));   // not a multiple of 4
    }

    [Fact]
    public void EvalImagesAreCroppedToAMultipleOfTheScale()
    {
        using var dir = new TempDir();
        ImageTensor.SavePng(dir.File("e.png"), Pattern(13, 10, 5));
        var list = SrData.EvalImages([dir.File("e.png")], 4);
        using var item = list.Single();
        Assert.Equal(new long[] { 1, 3, 12, 8 }, item.Hr.shape);
        Assert.Equal(new long[] { 1, 3, 3, 2 }, item.Lr.shape);
        Assert.True(Same(item.Hr[0], Pattern(13, 10, 5)[.., ..12, ..8]));   // top-left crop (MATLAB modcrop)
        Assert.True(Same(item.Lr, MatlabImresize.ResizeBytes(item.Hr, 0.25)));
    }
}
