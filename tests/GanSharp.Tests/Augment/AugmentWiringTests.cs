using System.Text.Json.Nodes;
using GanSharp.Augment;
using GanSharp.Data;
using GanSharp.Imaging;
using GanSharp.Runs;
using GanSharp.Tests.Training;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Augment;

/// <summary>
/// The augmentation pieces wired into the engine (issue 22): --augment goes through GanSystem.DInput for every
/// image D sees, ADA's p is logged and resumes bit for bit, --mirror doubles the training set, RGBA folders load
/// premultiplied and draw over a checkerboard, and the CLI refuses bad values in one line.
/// </summary>
public class AugmentWiringTests
{
    private static GanOptions Tiny(string augment, int steps = 8, Action<GanOptions>? change = null)
    {
        var o = TestUtil.TinyDcgan(steps);
        o.Augment = augment;
        o.LogEvery = 1;
        change?.Invoke(o);
        return o;
    }

    /// <summary>Every step's (loss_d, loss_g, D(x), D(G(z))) and the logged values, trained in memory on 1 thread.</summary>
    private static List<StepStats> Train(GanOptions o, TensorDataset data)
    {
        set_num_threads(1);
        using var system = GanFamilies.Create(o, data.ExampleShape, data.NumClasses);
        using var trainer = new Trainer(system, data);
        var steps = new List<StepStats>();
        for (int i = 0; i < o.Steps; i++) steps.Add(trainer.TrainStep());
        return steps;
    }

    private static List<(double, double)> Losses(List<StepStats> s) => s.Select(x => (x.LossD, x.LossG)).ToList();

    /// <summary>ADA at target 0 and 0.128 kimg: each adjustment moves p by 16·4/128 = 0.5, and r_t is far above 0 here.</summary>
    private static GanOptions FastAda(int steps = 8) => Tiny("ada", steps, o => { o.AdaTarget = 0; o.AdaKimg = 0.128; });

    [Fact]
    public void DiffAugmentChangesTheLossesFromTheFirstStep()
    {
        using var data = TestUtil.TinyImages(64);
        var plain = Losses(Train(Tiny("none", 4), data));
        var augmented = Losses(Train(Tiny("diffaugment", 4), data));
        var colourOnly = Losses(Train(Tiny("diffaugment", 4, o => o.AugmentPolicy = "color"), data));
        Assert.NotEqual(plain[0], augmented[0]);
        Assert.NotEqual(augmented[0], colourOnly[0]);
        Assert.All(augmented.Concat(colourOnly), l => Assert.True(double.IsFinite(l.Item1) && double.IsFinite(l.Item2)));
    }

    [Fact]
    public void AdaIsTheIdentityAtPZeroThenChangesTheLossesOnceItRaisesP()
    {
        using var data = TestUtil.TinyImages(64);
        var plain = Train(Tiny("none"), data);
        var ada = Train(FastAda(), data);
        // p = 0 for steps 1-4: the pipeline passes images through bit for bit and draws nothing from the training generator.
        Assert.Equal(Losses(plain).Take(4), Losses(ada).Take(4));
        Assert.All(ada.Take(4), s => Assert.Equal(0.0, s.Get("ada_p")));
        Assert.All(ada.Take(4), s => Assert.Null(s.Get("ada_rt")));
        // Step 5 uses the p adjusted from steps 1-4: r_t > 0 = target, so p = 0 + 0.5; then the losses differ.
        double rt = ada[4].Get("ada_rt")!.Value;
        Assert.InRange(rt, 0.2, 1.0);
        Assert.Equal(0.5, ada[4].Get("ada_p"));
        Assert.NotEqual(Losses(plain).Skip(4), Losses(ada).Skip(4));
        Assert.All(ada.Skip(4), s => Assert.Equal(0.5, s.Get("ada_p")));
    }

    [Fact]
    public void AdaPIsLoggedAndTheCheckpointHoldsItAndSurvivesResumeBitForBit()
    {
        using var data = TestUtil.TinyImages(64);
        // Stop at step 3 of 12: mid-interval (the accumulator holds three steps of signs); p moves at steps 5 and 9.
        var names = TestUtil.AssertResumeEqualsUninterrupted(() => FastAda(12), data, stopAt: 3, "ada");
        Assert.Contains("state.augment.ada", names);
        Assert.Contains("state.augment.rng", names);

        using var tmp = new TestUtil.TempDir();
        using (var run = TrainingRun.Create(FastAda(12), data, tmp.Path, "r")) Assert.True(run.Run());
        var lines = File.ReadAllLines(Path.Combine(tmp.Path, "r", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(new double?[] { 0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1 }, lines.Select(l => l["ada_p"]?.GetValue<double>()));
        var (_, tensors) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(Path.Combine(tmp.Path, "r")));
        try
        {
            var state = tensors["state.augment.ada"].data<double>().ToArray();
            Assert.Equal(1.0, state[0]);                          // p
            Assert.Equal(3.0, state[3]);                          // steps 9, 10, 11 ended since the last adjustment (12's ends at the next step)
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [Fact]
    public void DiffAugmentResumesBitForBit()
    {
        using var data = TestUtil.TinyImages(64);
        var names = TestUtil.AssertResumeEqualsUninterrupted(() => Tiny("diffaugment", 6), data, stopAt: 3, "diffaugment");
        Assert.Contains("state.augment.rng", names);
        Assert.DoesNotContain("state.augment.ada", names);
    }

    [Fact]
    public void AugmentNoneAddsNoStateToTheCheckpoint()
    {
        using var data = TestUtil.TinyImages(64);
        var names = TestUtil.AssertResumeEqualsUninterrupted(() => Tiny("none", 4), data, stopAt: 2, "none");
        Assert.DoesNotContain(names, n => n.StartsWith("state.augment", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("concat")]
    [InlineData("projection")]
    public void CganHonoursAugment(string condD)
    {
        using var data = TestUtil.TinyImages(64);
        void Cgan(GanOptions o) { o.Model = "cgan"; o.ConditionalD = condD; }
        var plain = Losses(Train(Tiny("none", 3, Cgan), data));
        Assert.NotEqual(plain[0], Losses(Train(Tiny("diffaugment", 3, Cgan), data))[0]);
        var ada = Train(Tiny("ada", 6, o => { Cgan(o); o.AdaTarget = 0; o.AdaKimg = 0.128; }), data);
        Assert.Equal(plain, Losses(ada).Take(3));                 // p = 0: identity
        Assert.Equal(0.5, ada[4].Get("ada_p"));                   // cgan's D loss feeds ADA's r_t too
    }

    [Fact]
    public void AugmentOnPointsAndOnSemisupIsOneLine()
    {
        using var ring = GaussianMixture2D.Ring(64, 1);
        var mlp = TestUtil.TinyMlp(2);
        mlp.Augment = "ada";
        var e = Assert.Throws<ArgumentException>(() => GanFamilies.Create(mlp, ring.ExampleShape, ring.NumClasses));
        Assert.Equal("--augment augments images, but 'ring' holds 2 points: drop --augment", e.Message);

        var semi = GoldenCases.Options("semisup-mlp");
        semi.Augment = "diffaugment";
        using var data = TestUtil.TinyImages(64);
        e = Assert.Throws<ArgumentException>(() => GanFamilies.Create(semi, data.ExampleShape, data.NumClasses));
        Assert.Equal("--augment is not available for the semisup model: its D is a K+1-class classifier with its own loss", e.Message);
    }

    /// <summary>n small RGB (or RGBA) PNGs of distinct random pixels in a new folder.</summary>
    private static string WriteFolder(string root, int n, int side, int channels, int seed = 1)
    {
        var dir = Path.Combine(root, "images");
        Directory.CreateDirectory(dir);
        var rng = new Random(seed);
        for (int i = 0; i < n; i++)
        {
            var pixels = new byte[side * side * channels];
            rng.NextBytes(pixels);
            ImageFile.SavePng(Path.Combine(dir, $"{i:D3}.png"), pixels, side, side, channels);
        }
        return dir;
    }

    [Fact]
    public void MirrorDoublesTheTrainingSetWithFlippedCopies()
    {
        using var tmp = new TestUtil.TempDir();
        var dir = WriteFolder(tmp.Path, 6, 8, 3);
        var o = new GanOptions { Model = "dcgan", Data = dir, Size = 8, Channels = 3 };
        var (plain, heldOut) = TrainingRun.OpenDataWithHeldOut(o);
        o.Mirror = true;
        var (mirrored, heldOut2) = TrainingRun.OpenDataWithHeldOut(o);
        using (plain)
        using (mirrored)
        {
            Assert.Null(heldOut);
            Assert.Null(heldOut2);
            Assert.Equal(6, plain.Count);
            Assert.Equal(12, mirrored.Count);
            Assert.True(mirrored.Data[..6].equal(plain.Data).all().item<bool>());
            Assert.True(mirrored.Data[6..].equal(plain.Data.flip(3)).all().item<bool>());
        }
    }

    [Fact]
    public void TheCliCountsTheMirroredSetAndWarnsWhenTheFolderIsSmall()
    {
        using var tmp = new TestUtil.TempDir();
        var dir = WriteFolder(tmp.Path, 10, 32, 3);
        string[] Args(string name, params string[] more) =>
            new[] { "train", "dcgan", "--data", dir, "--size", "32", "--steps", "2000", "--batch", "8", "--z-dim", "4", "--width-g", "2",
                "--width-d", "2", "--threads", "1", "--sample-count", "4", "--dry-run", "--out", tmp.Path, "--name", name }.Concat(more).ToArray();

        var (code, stdout, stderr) = TestUtil.RunCli(Args("plain", "--mirror"));
        Assert.True(code == 0, stderr);
        Assert.Contains("(20 examples)", stdout);
        var warning = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("warning: ", StringComparison.Ordinal));
        Assert.Equal("warning: " + SmallDataWarning.Check(20, 32, 2000, 8), warning);
        Assert.Contains("--augment ada --mirror", warning);

        (code, stdout, stderr) = TestUtil.RunCli(Args("ada", "--augment", "ada"));
        Assert.True(code == 0, stderr);
        Assert.Contains("(10 examples)", stdout);
        Assert.DoesNotContain("warning:", stderr);
    }

    [Theory]
    [InlineData("--augment", "bogus", "error: unknown value 'bogus' for --augment: use one of none, diffaugment, ada (see 'gansharp train --help')")]
    [InlineData("--ada-target", "1.5", "error: --ada-target must be in [0, 1) (got 1.5)")]
    [InlineData("--ada-kimg", "0", "error: --ada-kimg must be positive (got 0)")]
    public void ABadAugmentValueIsOneErrorLine(string flag, string value, string expected)
    {
        using var tmp = new TestUtil.TempDir();
        var (code, _, err) = TestUtil.RunCli("train", "dcgan", flag, value, "--out", tmp.Path, "--name", "x");
        Assert.Equal(2, code);
        Assert.Equal(expected, err.Trim());
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "x")));
    }

    [Fact]
    public void ABadPolicyIsOneErrorLineAndSemisupRefusesAugment()
    {
        using var tmp = new TestUtil.TempDir();
        var (code, _, err) = TestUtil.RunCli("train", "dcgan", "--augment", "diffaugment", "--augment-policy", "color,blur", "--out", tmp.Path, "--name", "x");
        Assert.Equal(2, code);
        Assert.Equal("error: --augment-policy 'color,blur' is not a list of distinct policies from color,translation,cutout", err.Trim());
        (code, _, err) = TestUtil.RunCli("train", "semisup", "--augment", "ada", "--out", tmp.Path, "--name", "y");
        Assert.Equal(2, code);
        Assert.Equal("error: --augment is not used by the semisup model (it is an option of dcgan, mlp, cgan)", err.Trim());
    }

    [Fact]
    public void RgbaFoldersLoadPremultiplied()
    {
        using var tmp = new TestUtil.TempDir();
        var dir = Path.Combine(tmp.Path, "rgba");
        Directory.CreateDirectory(dir);
        // 2×2: red hidden under alpha 0, (200, 100, 50) at alpha 128, an opaque pixel, a transparent black one.
        var straight = new byte[] { 255, 0, 0, 0, 200, 100, 50, 128, 10, 20, 30, 255, 0, 0, 0, 0 };
        ImageFile.SavePng(Path.Combine(dir, "a.png"), straight, 2, 2, 4);
        using var rgba = Datasets.Open(dir, new DatasetOpenOptions { Size = 2, Channels = 4 });
        using var rgb = Datasets.Open(dir, new DatasetOpenOptions { Size = 2, Channels = 3 });
        var planar = tensor(straight, new long[] { 1, 2, 2, 4 }).permute(0, 3, 1, 2).contiguous();
        using var expected = Alpha.Premultiply(planar);
        Assert.True(rgba.Data.equal(expected).all().item<bool>());
        Assert.Equal(new byte[] { 0, 100, 10, 0 }, rgba.Data[0, 0].flatten().data<byte>().ToArray());  // red: hidden red gone, 200·128/255 → 100
        Assert.Equal(255, rgb.Data[0, 0, 0, 0].item<byte>());                                          // RGB folders keep the file's colours
    }

    [Fact]
    public void RgbaGridsAreDrawnOverACheckerboardAndRgbGridsAreUnchanged()
    {
        using var tmp = new TestUtil.TempDir();
        using var scope = NewDisposeScope();
        using var g = new Generator(3);
        // RGB and grey: SaveSamples writes the same bytes as ImageGrid.Save.
        foreach (int c in new[] { 1, 3 })
        {
            var images = rand(new long[] { 4, c, 8, 8 }, generator: g) * 2 - 1;
            string a = Path.Combine(tmp.Path, $"samples{c}.png"), b = Path.Combine(tmp.Path, $"grid{c}.png");
            SampleGrids.SaveSamples(images, a, "t");
            ImageGrid.Save(images, b, scale: 2);
            Assert.Equal(File.ReadAllBytes(b), File.ReadAllBytes(a));
        }
        // RGBA: fully transparent samples show the checkerboard, opaque ones their colour; the PNG is RGB.
        var transparent = full(new long[] { 1, 4, 8, 8 }, -1.0f);                               // colour 0, alpha 0
        var opaque = cat(new[] { full(new long[] { 1, 3, 8, 8 }, -1.0f), full(new long[] { 1, 1, 8, 8 }, 1.0f) }, 1); // black, alpha 1
        string path = Path.Combine(tmp.Path, "rgba.png");
        SampleGrids.SaveSamples(cat(new[] { transparent, opaque }, 0), path, "t", columns: 2);
        var (pixels, w, h, channels) = ImageFile.Load(path);
        Assert.Equal(3, channels);
        byte At(int x, int y) => pixels[(y * w + x) * 3];
        // The grid is drawn at 2× (8-px images): padding 2 → the first image starts at (4, 4), the second at (24, 4).
        Assert.Equal((byte)Math.Round(0.8 * 255), At(4, 4));                                    // light checker cell
        Assert.Equal((byte)Math.Round(0.6 * 255), At(4 + 8, 4));                                // dark cell (4-px cells at 2×)
        Assert.Equal(0, At(24, 4));                                                              // opaque black
    }
}
