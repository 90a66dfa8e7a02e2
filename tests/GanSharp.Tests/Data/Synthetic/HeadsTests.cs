using GanSharp.Data;
using GanSharp.Data.Synthetic;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Data.Synthetic;

public class HeadsTests
{
    public HeadsTests() => set_num_threads(1);

    private static readonly HeadIdentity BlueEyed = new()
    {
        Skin = (0.9, 0.62, 0.45),
        Iris = (0.1, 0.3, 0.9),
        Hair = (0.2, 0.12, 0.06),
    };

    [Fact]
    public void SameSeedSameHeadsOtherSeedOtherHeads()
    {
        var a = Heads.Render(1, "train", seed: 5, size: 24, supersample: 1);
        var b = Heads.Render(1, "train", seed: 5, size: 24, supersample: 1);
        var c = Heads.Render(1, "train", seed: 6, size: 24, supersample: 1);
        foreach (var k in a.Keys) Assert.True(a[k].equal(b[k]).all().item<bool>(), k);
        Assert.False(a["images"].equal(c["images"]).all().item<bool>());
        // Train and test identities differ.
        Assert.NotEqual(Heads.Identity(5, "train", 0), Heads.Identity(5, "test", 0));
    }

    [Fact]
    public void SymmetricIdentityGivesASymmetricFrontalView()
    {
        var sym = BlueEyed with { Asymmetry = 0 };
        var lopsided = BlueEyed with { Asymmetry = 0.08 };
        double Asym(HeadIdentity id)
        {
            using var r = HeadRenderer.Render([id], [0.0], [HeadLighting.Frontal], 48);
            return (r.Images - r.Images.flip(3)).abs().mean().item<float>();
        }
        double s = Asym(sym), l = Asym(lopsided);
        Assert.True(s < 0.002, $"symmetric head differs from its mirror by {s:F4} on average");
        Assert.True(l > 5 * s + 0.002, $"the asymmetric control ({l:F4}) should differ clearly from its mirror (symmetric: {s:F4})");
    }

    [Fact]
    public void LandmarksLandOnTheirFeatures()
    {
        // Light from the side and above, so the eyes' glint is away from the pupil.
        double[] yaws = [-60, -30, 0, 30, 60];
        var ids = yaws.Select(_ => BlueEyed).ToList();
        var light = new HeadLighting(40, 30, 0.8, 0.3, 0.5);
        using var r = HeadRenderer.Render(ids, yaws, yaws.Select(_ => light).ToList(), 128);
        var lm = HeadRenderer.Landmarks3D(ids);
        var (px, vis) = HeadRenderer.Project(ids, lm, yaws, 128);
        int checkedCount = 0;
        for (int v = 0; v < yaws.Length; v++)
            for (int k = 0; k < HeadRenderer.LandmarkCount; k++)
            {
                if (vis[v, k].item<float>() == 0) continue;
                int x = (int)Math.Floor(px[v, k, 0].item<float>()), y = (int)Math.Floor(px[v, k, 1].item<float>());
                var m = (HeadMaterial)r.Materials[v, y, x].item<byte>();
                float red = r.Images[v, 0, y, x].item<float>(), green = r.Images[v, 1, y, x].item<float>(), blue = r.Images[v, 2, y, x].item<float>();
                string where = $"yaw {yaws[v]}, landmark {k} at ({x}, {y}): {m}, rgb ({red:F2}, {green:F2}, {blue:F2})";
                switch (k)
                {
                    case 0 or 1:   // eyes: iris or pupil, and the colour is blue or dark, not skin (skin has red well above blue)
                        Assert.True(m is HeadMaterial.Iris or HeadMaterial.Pupil, where);
                        Assert.True(red - blue < 0.05, where);
                        break;
                    case 2:
                        Assert.True(m == HeadMaterial.Nose, where);
                        break;
                    default:       // lips: redder than skin (green well below red)
                        Assert.True(m == HeadMaterial.Lips, where);
                        Assert.True(green < 0.55 * red, where);
                        break;
                }
                checkedCount++;
            }
        // At 0° all five are seen; over the five views most landmarks are checked.
        Assert.Equal(5, (int)vis[2].sum().item<float>());
        Assert.True(checkedCount >= 19, $"only {checkedCount} landmarks visible");
    }

    [Fact]
    public void AtNinetyDegreesTheFarEyeIsHidden()
    {
        double[] yaws = [-90, 90];
        var ids = yaws.Select(_ => BlueEyed).ToList();
        var lm = HeadRenderer.Landmarks3D(ids);
        var (px, vis) = HeadRenderer.Project(ids, lm, yaws, 64);
        // Turned to the image's left (−90°) the face shows its +x side: eye 0 (x < 0) is behind the head.
        Assert.Equal(0f, vis[0, 0].item<float>());
        Assert.Equal(1f, vis[0, 1].item<float>());
        Assert.Equal(1f, vis[1, 0].item<float>());
        Assert.Equal(0f, vis[1, 1].item<float>());
        // The seen eye is drawn where it projects (sclera, iris or pupil at its pixel).
        using var r = HeadRenderer.Render(ids, yaws, yaws.Select(_ => HeadLighting.Frontal).ToList(), 64);
        foreach (var (view, eye) in new[] { (0, 1), (1, 0) })
        {
            int x = (int)px[view, eye, 0].item<float>(), y = (int)px[view, eye, 1].item<float>();
            var m = (HeadMaterial)r.Materials[view, y, x].item<byte>();
            Assert.True(m is HeadMaterial.Sclera or HeadMaterial.Iris or HeadMaterial.Pupil, $"yaw {yaws[view]}: eye {eye} at ({x}, {y}) is {m}");
        }
    }

    [Fact]
    public void DatasetFieldsAndCache()
    {
        using var dir = new TestUtil.TempDir();
        using var ds = Heads.Open(2, "test", seed: 3, size: 24, dir.Path, null);
        int n = 2 * Heads.Yaws.Length;
        Assert.Equal(new long[] { n, 3, 24, 24 }, ds.Data.shape);
        Assert.Equal(ScalarType.Byte, ds.Data.dtype);
        Assert.Equal(2, ds.NumClasses);
        Assert.Equal(new long[] { n, 5, 2 }, ds.ExtraFields[HeadFields.Landmarks].shape);
        Assert.Equal(new long[] { n, 5 }, ds.ExtraFields[HeadFields.LandmarkVisible].shape);
        var frontal = ds.ExtraFields[HeadFields.Frontal];
        var yaw = ds.ExtraFields[HeadFields.Yaw];
        for (int i = 0; i < n; i++)
        {
            long f = frontal[i].item<long>();
            Assert.Equal(0f, yaw[f].item<float>());
            Assert.Equal(ds.Labels![i].item<long>(), ds.Labels[f].item<long>());
        }
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, "heads")));
        using var again = Heads.Open(2, "test", seed: 3, size: 24, dir.Path, null);
        Assert.True(again.Data.equal(ds.Data).all().item<bool>());
        Assert.True(Datasets.Providers.ContainsKey("heads"));
    }
}
