using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Families.ImageToImage;
using GanSharp.Imaging;
using GanSharp.Runs;
using GanSharp.Tests.Engine;
using GanSharp.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.ImageToImage;

public sealed class Pix2PixFamilyTests
{
    /// <summary>A folder of <paramref name="count"/> distinct 16×16 RGB PNGs: a colour gradient and a bright rectangle each.</summary>
    internal static void WritePhotos(string dir, int count = 24, int size = 16, long seed = 4)
    {
        Directory.CreateDirectory(dir);
        using var g = new Generator((ulong)seed);
        for (int i = 0; i < count; i++)
        {
            using var scope = NewDisposeScope();
            var colour = randint(0, 256, new long[] { 3, 1, 1 }, generator: g).to_type(ScalarType.Float32);
            var ramp = linspace(0, 1, size).reshape(1, 1, size);
            var img = (colour * ramp).expand(3, size, size).clone();
            int top = (int)randint(0, size / 2, new long[] { 1 }, generator: g).item<long>(), left = (int)randint(0, size / 2, new long[] { 1 }, generator: g).item<long>();
            img.narrow(1, top, size / 2).narrow(2, left, size / 2).fill_(200 + i);   // 200 + i: no two images alike
            ImageTensor.SavePng(Path.Combine(dir, $"photo{i:D2}.png"), img.to_type(ScalarType.Byte));
        }
    }

    static GanOptions Options(string data, int steps = 6, string task = "edges")
    {
        var o = new GanOptions
        {
            Model = Pix2PixFamily.ModelName, Data = data, Size = 16, Steps = steps, Batch = 4, WidthG = 4, WidthD = 4,
            Threads = 1, LogEvery = 1, SampleEvery = 3, CheckpointEvery = 1000, SampleCount = 4, Seed = 3,
        };
        o.Set("task", task);
        return o;
    }

    [Fact]
    public void TrainsLogsL1AndResumesBitForBit()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos");
        WritePhotos(photos);
        var (data, heldOut) = TrainingRun.OpenDataWithHeldOut(Options(photos));
        using var _d = data;
        using var _h = heldOut;
        using (var full = TrainingRun.Create(Options(photos), data, tmp.Path, "full", heldOut: heldOut))
        {
            Assert.True(full.Run());
            Assert.IsType<Pix2PixSystem>(full.System);
        }
        var lines = File.ReadAllLines(Path.Combine(tmp.Path, "full", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(6, lines.Count);
        foreach (var l in lines)
        {
            foreach (var key in new[] { "loss_d", "loss_g", "loss_adv", "loss_l1", "d_real", "d_fake" })
                Assert.True(l.ContainsKey(key), $"metrics.jsonl lacks {key}: {l.ToJsonString()}");
            // G's loss is the adversarial term plus λ = 100 times the logged (unweighted) L1.
            double g = l["loss_g"]!.GetValue<double>(), adv = l["loss_adv"]!.GetValue<double>(), l1 = l["loss_l1"]!.GetValue<double>();
            Assert.Equal(adv + 100 * l1, g, 1e-3 * g);
            Assert.InRange(l1, 1e-3, 2);
        }
        // The grid: each held-out source, its output and its target in a row (4 rows × 3 of 16 px, with borders).
        Assert.True(File.Exists(Path.Combine(tmp.Path, "full", "samples", "step-000003.png")));

        using (var part = TrainingRun.Create(Options(photos), data, tmp.Path, "part", heldOut: heldOut))
        {
            using var cts = new CancellationTokenSource();
            part.Trainer.Observers.Add(new TestUtil.CancelAt(2, cts));
            Assert.False(part.Run(cts.Token));
        }
        using (var resumed = TrainingRun.Resume(Path.Combine(tmp.Path, "part"), data, heldOut: heldOut))
        {
            Assert.Equal(2, resumed.Trainer.Step);
            Assert.True(resumed.Run());
        }
        TestUtil.AssertSameRun(tmp.Path, "full", "part");
    }

    [Fact]
    public void LossesAreThePapersHalvedDAndCganPlusLambdaL1()
    {
        using var tmp = new TestUtil.TempDir();
        var o = Options("x");
        o.Set("lambda-l1", 100.0);
        using var system = (Pix2PixSystem)new Pix2PixFamily().Create(o, new long[] { 3, 16, 16 }, 0);
        system.D.eval();                                   // BatchNorm on running statistics: D's outputs are reproducible
        using var g = new Generator(7);
        using var source = rand(new long[] { 2, 1, 16, 16 }, generator: g) * 2 - 1;
        using var real = rand(new long[] { 2, 3, 16, 16 }, generator: g) * 2 - 1;
        using var fake = rand(new long[] { 2, 3, 16, 16 }, generator: g) * 2 - 1;
        using var realOut = system.DOf(source, real);
        using var fakeOut = system.DOf(source, fake);
        using var expectedD = ImageToImageLosses.Pix2PixDiscriminator(realOut, fakeOut);
        using var expectedG = ImageToImageLosses.Pix2PixGenerator(fakeOut, fake, real);
        var d = system.PairDiscriminatorLoss(source, real, fake, null, 1);
        var gl = system.PairGeneratorLoss(source, real, fake);
        Assert.Equal(expectedD.Total.item<float>(), d.Loss.item<float>(), 1e-5f);
        Assert.Equal(expectedG.Total.item<float>(), gl.Loss.item<float>(), 1e-3f);
        // loss_l1 by hand: the mean absolute difference.
        double l1 = (fake - real).abs().mean().item<float>();
        Assert.Equal(l1, gl.Logged["loss_l1"].item<float>(), 1e-6);
        // D's loss is half of BCE(real → 1) + BCE(fake → 0), computed here from the sigmoid.
        double bce = -(sigmoid(realOut).log().mean().item<float>() + (1 - sigmoid(fakeOut)).log().mean().item<float>());
        Assert.Equal(bce / 2, d.Loss.item<float>(), 1e-4);
    }

    [Fact]
    public void HeldOutImagesAreNeverTrainedOn()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos");
        WritePhotos(photos, count: 24);
        var (train, heldOut) = TrainingRun.OpenDataWithHeldOut(Options(photos, task: "derain"));
        using var _t = train;
        using var h = heldOut!;
        Assert.Equal(16, train.Count);
        Assert.Equal(8, h.Count);
        for (long i = 0; i < h.Count; i++)
            for (long j = 0; j < train.Count; j++)
                Assert.False(h.Data[i].equal(train.Data[j]).all().item<bool>(), $"held-out image {i} is training image {j}");
        // Every photo is in one part or the other.
        using var all = ImageFolder.Load(photos, 16, 3);
        Assert.Equal(all.Count, train.Count + h.Count);
    }

    [Fact]
    public void PairedTaskReadsSideBySideFilesSourceLeft()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos"), pairs = Path.Combine(tmp.Path, "pairs");
        WritePhotos(photos, count: 16);
        Directory.CreateDirectory(pairs);
        foreach (var f in Directory.GetFiles(photos))
        {
            using var b = ImageTensor.Load(f);
            using var a = b.flip(2);                                   // A: the photo mirrored; B: the photo
            using var ab = cat(new[] { a, b }, 2);
            ImageTensor.SavePng(Path.Combine(pairs, Path.GetFileName(f)), ab);
        }
        var (train, heldOut) = TrainingRun.OpenDataWithHeldOut(Options(pairs, task: "paired"));
        using var _t = train;
        using var h = heldOut!;
        Assert.Equal((8L, 8L), (train.Count, h.Count));
        foreach (var d in new[] { train, h })
            Assert.True(d.ExtraFields[BatchFields.Source].equal(d.Data.flip(3)).all().item<bool>(), "the source is not the left half");
    }

    [Fact]
    public void DataWithoutWhatItNeedsIsOneClearError()
    {
        // The engine's field check, before a run directory is created.
        using var tiny = TestUtil.TinyImages(32);
        using var tmp = new TestUtil.TempDir();
        var e = Assert.Throws<ArgumentException>(() => TrainingRun.Create(Options("tiny"), tiny, tmp.Path, "x"));
        Assert.Equal("the pix2pix model needs 'source' in each example, but 'tiny' provides 'image', 'label'", e.Message);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "x")));

        // The CLI: 2-D points cannot make image pairs; 28×28 digits do not fit the U-Net; too few photos.
        var (code, _, err) = TestUtil.RunCli("train", "pix2pix", "--data", "ring", "--out", tmp.Path, "--name", "r");
        Assert.Equal(2, code);
        Assert.Equal("error: the pix2pix model makes its --task edges pairs from images, but 'ring' has examples of shape [2]: pass --data FOLDER of photos", err.Trim());
        string few = Path.Combine(tmp.Path, "few");
        WritePhotos(few, count: 10);
        (code, _, err) = TestUtil.RunCli("train", "pix2pix", "--data", few, "--size", "16", "--out", tmp.Path, "--name", "f");
        Assert.Equal(2, code);
        Assert.Equal($"error: '{few}' has 10 images: pix2pix holds out 8 for progress grids and needs at least 16 images in all", err.Trim());
        string photos = Path.Combine(tmp.Path, "photos");
        WritePhotos(photos);
        (code, _, err) = TestUtil.RunCli("train", "pix2pix", "--data", photos, "--size", "24", "--out", tmp.Path, "--name", "s");
        Assert.Equal(2, code);
        Assert.StartsWith("error: the pix2pix model needs square images whose side is a power of two from 16 to 512", ErrorLine(err));
        (code, _, err) = TestUtil.RunCli("train", "pix2pix", "--data", photos, "--size", "16", "--loss", "wgan-gp", "--out", tmp.Path, "--name", "w");
        Assert.Equal(2, code);
        Assert.Equal("error: --loss wgan-gp is not available for pix2pix (its PatchGAN has BatchNorm and no clipping): use --loss gan (the paper's), lsgan or hinge", ErrorLine(err));
        (code, _, err) = TestUtil.RunCli("train", "pix2pix", "--data", photos, "--size", "16", "--patch", "70", "--out", tmp.Path, "--name", "p");
        Assert.Equal(2, code);
        Assert.Equal("error: --patch 70 does not fit 16×16 images (its PatchGAN needs larger inputs): use a smaller --patch or a larger --size", ErrorLine(err));
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "w")));
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "p")));
    }

    /// <summary>The one error line of stderr (the data adapter logs its split on stderr before it).</summary>
    static string ErrorLine(string err)
    {
        var errors = err.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        return errors[0].TrimEnd();
    }

    [Fact]
    public void TranslateRoundTripThroughTheCli()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos");
        WritePhotos(photos);
        var (code, output, err) = TestUtil.RunCli("train", "pix2pix", "--data", photos, "--task", "colorize", "--size", "16", "--steps", "2",
            "--batch", "4", "--width-g", "4", "--width-d", "4", "--threads", "1", "--sample-count", "4", "--out", tmp.Path, "--name", "run");
        Assert.True(code == 0, output + err);
        string run = Path.Combine(tmp.Path, "run");

        // A 40×23 image (tiled, with a padded edge) comes back at its own size; the same seed gives the same image.
        using (var img = randint(0, 256, new long[] { 3, 23, 40 }).to_type(ScalarType.Byte)) ImageTensor.SavePng(Path.Combine(tmp.Path, "in.png"), img);
        string a = Path.Combine(tmp.Path, "a.png"), b = Path.Combine(tmp.Path, "b.png");
        (code, output, err) = TestUtil.RunCli("translate", "--checkpoint", run, Path.Combine(tmp.Path, "in.png"), "--out", a);
        Assert.True(code == 0, output + err);
        (code, _, _) = TestUtil.RunCli("translate", "--checkpoint", run, Path.Combine(tmp.Path, "in.png"), "--out", b);
        Assert.Equal(0, code);
        var (pixels, w, h, c) = ImageFile.Load(a);
        Assert.Equal((40, 23, 3), (w, h, c));
        Assert.Equal(pixels, ImageFile.Load(b).Pixels);

        // A file that is no image, and a checkpoint of another family: one line each.
        File.WriteAllText(Path.Combine(tmp.Path, "notes.png"), "not an image");
        (code, _, err) = TestUtil.RunCli("translate", "--checkpoint", run, Path.Combine(tmp.Path, "notes.png"), "--out", a);
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("notes.png", err);
        using var tiny = TestUtil.TinyImages(32);
        using (var dc = TrainingRun.Create(TestUtil.TinyDcgan(1), tiny, tmp.Path, "dcgan")) Assert.True(dc.Run());
        (code, _, err) = TestUtil.RunCli("translate", "--checkpoint", Path.Combine(tmp.Path, "dcgan"), Path.Combine(tmp.Path, "in.png"), "--out", a);
        Assert.Equal(2, code);
        Assert.Equal($"error: '{Path.Combine(tmp.Path, "dcgan")}' is a dcgan checkpoint: translate needs a pix2pix run (gansharp train pix2pix)", err.Trim());
    }
}
