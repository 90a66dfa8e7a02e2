using GanSharp.Data;
using GanSharp.Data.Synthetic;
using GanSharp.Imaging;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Data.Synthetic;

public class PoseFaceFolderTests
{
    /// <summary>Two identities × yaws {-30, 0} (the second lacks 0 for one image), 16×16 grey images of constant value.</summary>
    private static string MakeFolder(string root, bool extraRow = false, bool missingRow = false)
    {
        var csv = new List<string> { "path,x0,y0,x1,y1,x2,y2,x3,y3,x4,y4" };
        int value = 10;
        foreach (var id in new[] { "bob", "alice" })
            foreach (var yaw in new[] { "-30", "0", "+15" })
            {
                var dir = Path.Combine(root, id, yaw);
                Directory.CreateDirectory(dir);
                var name = "img.png";
                var px = Enumerable.Repeat((byte)value, 16 * 16 * 3).ToArray();
                ImageFile.SavePng(Path.Combine(dir, name), px, 16, 16, 3);
                value += 20;
                if (missingRow && id == "alice" && yaw == "+15") continue;
                csv.Add(yaw == "-30" ? $"{id}/{yaw}/{name},,,4,4,6,8,5,12,7,12" : $"{id}/{yaw}/{name},4,4,12,4,8,8,5,12,11,12");
            }
        if (extraRow) csv.Add("carol/0/img.png,1,1,2,2,3,3,4,4,5,5");
        File.WriteAllLines(Path.Combine(root, "landmarks.csv"), csv);
        return root;
    }

    [Fact]
    public void LoadsIdentitiesYawsLandmarksAndFrontalIndex()
    {
        using var dir = new TestUtil.TempDir();
        using var ds = PoseFaceFolder.Load(MakeFolder(dir.Path), size: 32, channels: 3);
        Assert.Equal(new long[] { 6, 3, 32, 32 }, ds.Data.shape);
        Assert.Equal(2, ds.NumClasses);
        // Ordinal order: alice (0) before bob (1); yaws in folder order "+15", "-30", "0".
        Assert.Equal(new long[] { 0, 0, 0, 1, 1, 1 }, ds.Labels!.data<long>().ToArray());
        Assert.Equal(new float[] { 15, -30, 0, 15, -30, 0 }, ds.ExtraFields[HeadFields.Yaw].data<float>().ToArray());
        Assert.Equal(new long[] { 2, 2, 2, 5, 5, 5 }, ds.ExtraFields[HeadFields.Frontal].data<long>().ToArray());
        // Landmarks scaled from 16 to 32 pixels; the -30 rows hide landmark 0.
        var lm = ds.ExtraFields[HeadFields.Landmarks];
        Assert.Equal(new float[] { 8, 8, 24, 8, 16, 16, 10, 24, 22, 24 }, lm[0].flatten().data<float>().ToArray());
        Assert.Equal(new float[] { 0, 1, 1, 1, 1 }, ds.ExtraFields[HeadFields.LandmarkVisible][1].data<float>().ToArray());
        // Pixels survive the resize (constant images).
        Assert.Equal(10 + 20 * 5, ds.Data[0, 0, 5, 5].item<byte>());   // alice/+15 was the 6th written
    }

    [Fact]
    public void ALandmarkRowWithoutAnImageIsOneClearError()
    {
        using var dir = new TestUtil.TempDir();
        var e = Assert.Throws<DataException>(() => PoseFaceFolder.Load(MakeFolder(dir.Path, extraRow: true), 32));
        Assert.Contains("carol/0/img.png", e.Message);
        Assert.Contains("do not match", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AnImageWithoutALandmarkRowIsOneClearError()
    {
        using var dir = new TestUtil.TempDir();
        var e = Assert.Throws<DataException>(() => PoseFaceFolder.Load(MakeFolder(dir.Path, missingRow: true), 32));
        Assert.Contains("no row for alice/+15/img.png", e.Message);
    }

    [Fact]
    public void BadPoseFolderAndBadRowsAreNamed()
    {
        using var dir = new TestUtil.TempDir();
        MakeFolder(dir.Path);
        Directory.CreateDirectory(Path.Combine(dir.Path, "bob", "left"));
        var e = Assert.Throws<DataException>(() => PoseFaceFolder.Load(dir.Path, 32));
        Assert.Contains("'left'", e.Message);
        Directory.Delete(Path.Combine(dir.Path, "bob", "left"));
        File.AppendAllText(Path.Combine(dir.Path, "landmarks.csv"), "bob/0/img.png,1,2,3\n");
        e = Assert.Throws<DataException>(() => PoseFaceFolder.Load(dir.Path, 32));
        Assert.Contains("line 8 has 4 columns", e.Message);
    }
}
