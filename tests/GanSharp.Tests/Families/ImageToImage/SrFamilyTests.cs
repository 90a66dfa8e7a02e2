using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Families.ImageToImage;
using GanSharp.Imaging;
using GanSharp.Interop;
using GanSharp.Runs;
using GanSharp.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.ImageToImage;

public sealed class SrFamilyTests
{
    /// <summary>A folder of <paramref name="count"/> distinct textured RGB PNGs of <paramref name="size"/>² pixels (smoothed noise).</summary>
    internal static void WritePhotos(string dir, int count = 10, int size = 48, long seed = 9)
    {
        Directory.CreateDirectory(dir);
        using var g = new Generator((ulong)seed);
        for (int i = 0; i < count; i++)
        {
            using var scope = NewDisposeScope();
            var noise = rand(new long[] { 1, 3, size / 4, size / 4 }, generator: g);
            var img = nn.functional.interpolate(noise, new long[] { size, size }, mode: InterpolationMode.Bilinear, align_corners: false)
                .squeeze(0).mul(255).add(rand(new long[] { 3, size, size }, generator: g).mul(20)).clamp(0, 255);
            ImageTensor.SavePng(Path.Combine(dir, $"photo{i:D2}.png"), img.to_type(ScalarType.Byte));
        }
    }

    /// <summary>A tiny run: 16 px HR crops (4 px LR), one residual block of width 8, batch 4.</summary>
    internal static GanOptions Options(string data, string model = SrResNetFamily.ModelName, int steps = 6)
    {
        var o = new GanOptions
        {
            Model = model, Data = data, Size = 16, Steps = steps, Batch = 4, WidthG = 8, WidthD = 4, Threads = 1,
            LogEvery = 1, SampleEvery = 3, CheckpointEvery = 1000, SampleCount = 4, Seed = 3, LrG = 1e-3, LrD = 1e-3,
        };
        o.Set("sr-blocks", 1);
        o.Set("crops", 40);
        o.Set("test-fraction", 0.3);
        o.Set("crop-cache", false);
        return o;
    }

    /// <summary>An untrained photo feature network written to a weights file (a stand-in for the committed one).</summary>
    internal static string FeatureNetFile(string dir)
    {
        string path = Path.Combine(dir, "featnet.ckpt");
        manual_seed(11);
        using var net = new PhotoFeatureNet();
        net.Save(path, new JsonObject { ["note"] = "untrained, for tests" });
        return path;
    }

    static GanOptions SrganOptions(string data, string featnet, int steps = 6)
    {
        var o = Options(data, SrganFamily.ModelName, steps);
        o.Set("feature-net", featnet);
        return o;
    }

    [Fact]
    public void SrResNetTrainsOnPixelMseLogsPsnrAndResumesBitForBit()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos");
        WritePhotos(photos);
        var (data, heldOut) = TrainingRun.OpenDataWithHeldOut(Options(photos));
        using var _d = data;
        using var _h = heldOut;
        Assert.Equal(40, data.Count);
        Assert.Equal(new long[] { 40, 3, 4, 4 }, data.ExtraFields[BatchFields.Source].shape);
        using (var full = TrainingRun.Create(Options(photos), data, tmp.Path, "full", heldOut: heldOut))
        {
            Assert.True(full.Run());
            Assert.Equal(new[] { "G" }, full.System.Networks.Select(n => n.Name));
        }
        foreach (var l in File.ReadAllLines(Path.Combine(tmp.Path, "full", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()))
        {
            double g = l["loss_g"]!.GetValue<double>(), mse = l["loss_mse"]!.GetValue<double>(), psnr = l["psnr"]!.GetValue<double>();
            Assert.Equal(mse, g, 1e-6);
            Assert.Equal(10 * Math.Log10(4 / mse), psnr, 1e-3);         // PSNR on the [-1, 1] scale: peak-to-peak 2
        }
        // The grid: bicubic, SR and HR of each held-out crop in a row (4 rows × 3 of 16 px plus borders).
        var (_, w, h, _) = ImageFile.Load(Path.Combine(tmp.Path, "full", "samples", "step-000003.png"));
        Assert.True((w - 4) % 3 == 0 && (w - 4) / 3 == (h - 4) / 4 && (h - 4) % 4 == 0, $"grid is {w}×{h}, not 3 columns × 4 rows of equal cells");

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
    public void SrganStartsFromSrResNetCalibratesItsContentScaleAndResumesBitForBit()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos"), featnet = FeatureNetFile(tmp.Path);
        WritePhotos(photos);
        var (data, heldOut) = TrainingRun.OpenDataWithHeldOut(Options(photos));
        using var _d = data;
        using var _h = heldOut;
        using (var pre = TrainingRun.Create(Options(photos, steps: 2), data, tmp.Path, "srresnet", heldOut: heldOut)) Assert.True(pre.Run());

        foreach (var name in new[] { "full", "part" })
        {
            using var run = TrainingRun.Create(SrganOptions(photos, featnet), data, tmp.Path, name, heldOut: heldOut);
            Assert.Equal(new[] { "G" }, InitFrom.Apply(run.System, Path.Combine(tmp.Path, "srresnet")));
            using var cts = new CancellationTokenSource();
            if (name == "part") run.Trainer.Observers.Add(new TestUtil.CancelAt(2, cts));
            Assert.Equal(name == "full", run.Run(cts.Token));
        }
        using (var resumed = TrainingRun.Resume(Path.Combine(tmp.Path, "part"), data, heldOut: heldOut)) Assert.True(resumed.Run());
        TestUtil.AssertSameRun(tmp.Path, "full", "part");

        var lines = File.ReadAllLines(Path.Combine(tmp.Path, "full", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        // Step 1 calibrates s so that the content loss equals G's pixel MSE; s is then fixed (family state).
        Assert.Equal(lines[0]["loss_mse"]!.GetValue<double>(), lines[0]["loss_content"]!.GetValue<double>(), 1e-4 * lines[0]["loss_mse"]!.GetValue<double>());
        double scale = lines[0]["content_scale"]!.GetValue<double>();
        Assert.All(lines, l => Assert.Equal(scale, l["content_scale"]!.GetValue<double>()));
        foreach (var l in lines)
        {
            double g = l["loss_g"]!.GetValue<double>(), content = l["loss_content"]!.GetValue<double>(), adv = l["loss_adv"]!.GetValue<double>();
            Assert.Equal(content + 1e-3 * adv, g, 1e-5);
            Assert.True(l.ContainsKey("loss_d") && l.ContainsKey("d_real") && l.ContainsKey("d_fake"), l.ToJsonString());
        }
        var (header, tensors) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(Path.Combine(tmp.Path, "full")));
        foreach (var t in tensors.Values) t.Dispose();
        Assert.Equal(scale, header["family-state"]!["content-scale"]!.GetValue<double>(), 1e-6 * scale);   // logged as float32
    }

    [Fact]
    public void PerceptualLossIsContentPlusWeightedAdversarialPlusTv()
    {
        using var tmp = new TestUtil.TempDir();
        var o = SrganOptions("x", FeatureNetFile(tmp.Path));
        o.Set("content-scale", 0.5);
        o.Set("tv-weight", 0.25);
        using var system = (SrSystem)new SrganFamily().Create(o, new long[] { 3, 16, 16 }, 0);
        system.D.eval();
        using var g = new Generator(7);
        using var fake = rand(new long[] { 2, 3, 16, 16 }, generator: g) * 2 - 1;
        using var hr = rand(new long[] { 2, 3, 16, 16 }, generator: g) * 2 - 1;
        var r = system.PerceptualLoss(fake, hr);
        using var pf = system.Content.Features(fake);
        using var ph = system.Content.Features(hr);
        double content = (pf * 0.5 - ph * 0.5).square().mean().item<float>();
        double adv = nn.functional.softplus(-system.D.call(fake)).mean().item<float>();   // −log D(G(x))
        double tv = ((fake.narrow(2, 1, 15) - fake.narrow(2, 0, 15)).abs().mean() + (fake.narrow(3, 1, 15) - fake.narrow(3, 0, 15)).abs().mean()).item<float>();
        Assert.Equal(content, r.Logged["loss_content"].item<float>(), 1e-5);
        Assert.Equal(adv, r.Logged["loss_adv"].item<float>(), 1e-5);
        Assert.Equal(tv, r.Logged["loss_tv"].item<float>(), 1e-5);
        Assert.Equal(content + 1e-3 * adv + 0.25 * tv, r.Loss.item<float>(), 1e-5);
        Assert.Equal(new long[] { 2, 128, 2, 2 }, pf.shape);      // φ at 1/8 of the input side
    }

    [Fact]
    public void SrganMseVariantUsesThePixelMseAsContent()
    {
        var o = SrganOptions("x", "unused.ckpt");
        o.Set("content", "mse");
        using var system = (SrSystem)new SrganFamily().Create(o, new long[] { 3, 16, 16 }, 0);
        using var g = new Generator(2);
        using var fake = rand(new long[] { 2, 3, 16, 16 }, generator: g);
        using var hr = rand(new long[] { 2, 3, 16, 16 }, generator: g);
        var r = system.PerceptualLoss(fake, hr);                 // never loads the (missing) feature network
        Assert.Equal((fake - hr).square().mean().item<float>(), r.Logged["loss_content"].item<float>(), 1e-6);
    }

    [Fact]
    public void HeldOutCropsComeOnlyFromTestPhotos()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos");
        WritePhotos(photos, count: 10);
        var o = Options(photos);
        var split = SrFamilyBase.Split(o);
        Assert.Equal((7, 3), (split.Train.Count, split.Test.Count));
        Assert.Empty(split.Train.Intersect(split.Test));
        var again = SrFamilyBase.Split(Options(photos, SrganFamily.ModelName));   // the same split for every SR run
        Assert.Equal(split.Train, again.Train);
        Assert.Equal(split.Test, again.Test);
        var (train, heldOut) = TrainingRun.OpenDataWithHeldOut(o);
        using var _t = train;
        using var h = heldOut!;
        // Each crop is found in exactly the photos of its part.
        var trainPhotos = split.Train.Select(f => ImageTensor.Load(f)).ToList();
        var testPhotos = split.Test.Select(f => ImageTensor.Load(f)).ToList();
        static bool FoundIn(Tensor crop, List<Tensor> photos) => photos.Any(p =>
        {
            for (int y = 0; y + 16 <= p.shape[1]; y++)
                for (int x = 0; x + 16 <= p.shape[2]; x++)
                    if (p.narrow(1, y, 16).narrow(2, x, 16).equal(crop).all().item<bool>()) return true;
            return false;
        });
        for (long i = 0; i < h.Count; i++)
        {
            Assert.True(FoundIn(h.Data[i], testPhotos), $"held-out crop {i} is not from a test photo");
            Assert.False(FoundIn(h.Data[i], trainPhotos), $"held-out crop {i} is in a training photo");
        }
        for (long i = 0; i < 5; i++) Assert.True(FoundIn(train.Data[i], trainPhotos), $"training crop {i} is not from a training photo");
        // LR = MATLAB bicubic ×1/4 of HR.
        using var lr = MatlabImresize.ResizeBytes(train.Data.narrow(0, 0, 3), 0.25);
        Assert.True(lr.equal(train.ExtraFields[BatchFields.Source].narrow(0, 0, 3)).all().item<bool>());
        foreach (var p in trainPhotos.Concat(testPhotos)) p.Dispose();
    }

    [Fact]
    public void TheCropCacheGivesTheSameCropsWithoutThePhotosAndNoticesAChangedPhoto()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos"), cache = Path.Combine(tmp.Path, "cache");
        WritePhotos(photos, count: 3);
        var files = Directory.GetFiles(photos).Order(StringComparer.Ordinal).ToList();
        var log = new List<string>();
        using var drawn = SrData.RandomCrops(files, 6, 16, 4, seed: 2, warn: log.Add, photoSide: 40, cacheDir: cache);
        Assert.Single(Directory.GetFiles(cache));
        Assert.Empty(log);
        using var again = SrData.RandomCrops(files, 6, 16, 4, seed: 2, warn: log.Add, photoSide: 40, cacheDir: cache);
        Assert.Contains("read from the crop cache", Assert.Single(log));
        Assert.True(drawn.Data.equal(again.Data).all().item<bool>());
        Assert.True(drawn.ExtraFields[BatchFields.Source].equal(again.ExtraFields[BatchFields.Source]).all().item<bool>());
        using var plain = SrData.RandomCrops(files, 6, 16, 4, seed: 2, photoSide: 40);
        Assert.True(plain.Data.equal(drawn.Data).all().item<bool>());
        // Another seed, or a rewritten photo, is another cache entry.
        using var other = SrData.RandomCrops(files, 6, 16, 4, seed: 3, photoSide: 40, cacheDir: cache);
        Assert.Equal(2, Directory.GetFiles(cache).Length);
        File.SetLastWriteTimeUtc(files[0], DateTime.UtcNow.AddMinutes(1));
        using var changed = SrData.RandomCrops(files, 6, 16, 4, seed: 2, photoSide: 40, cacheDir: cache);
        Assert.Equal(3, Directory.GetFiles(cache).Length);
    }

    [Fact]
    public void BadInputIsOneClearError()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos");
        WritePhotos(photos, count: 4);
        string[] common = ["--threads", "1", "--out", tmp.Path, "--crops", "8", "--batch", "4", "--sr-blocks", "1", "--crop-cache", "false"];
        var (code, _, err) = TestUtil.RunCli(["train", "srresnet", "--data", "ring", .. common, "--name", "a"]);
        Assert.Equal(2, code);
        Assert.Equal("error: the srresnet model crops photos from a folder, but 'ring' is not a folder: pass --data FOLDER of large photos (see 'gansharp data fetch photos')", ErrorLine(err));
        (code, _, err) = TestUtil.RunCli(["train", "srresnet", "--data", photos, "--size", "18", .. common, "--name", "b"]);
        Assert.Equal(2, code);
        Assert.Equal("error: --size 18 is not a multiple of --sr-scale 4: use e.g. 16", ErrorLine(err));
        (code, _, err) = TestUtil.RunCli(["train", "srresnet", "--data", photos, "--size", "16", "--r1", "1", .. common, "--name", "c"]);
        Assert.Equal(2, code);
        Assert.Equal("error: the srresnet model has no discriminator: drop --d-steps and --r1 (or train srgan)", ErrorLine(err));
        (code, _, err) = TestUtil.RunCli(["train", "srgan", "--data", photos, "--size", "16", "--loss", "wgan-gp", .. common, "--name", "d"]);
        Assert.Equal(2, code);
        Assert.Equal("error: --loss wgan-gp is not available for srgan: use --loss gan (the paper's), lsgan or hinge", ErrorLine(err));
        (code, _, err) = TestUtil.RunCli(["train", "srresnet", "--data", photos, "--size", "64", .. common, "--name", "e"]);
        Assert.Equal(2, code);
        Assert.Equal($"error: '{photos}' has 0 PNG/JPEG photos of at least 64×64 pixels: the srresnet model needs at least 2 (one to train on, one to test)", ErrorLine(err));
        foreach (var n in new[] { "a", "b", "c", "d", "e" }) Assert.False(Directory.Exists(Path.Combine(tmp.Path, n)), n);

        // A missing feature network, found at the first G step, names the file.
        (code, _, err) = TestUtil.RunCli(["train", "srgan", "--data", photos, "--size", "16", "--steps", "1", "--feature-net", Path.Combine(tmp.Path, "none.ckpt"), .. common, "--name", "f"]);
        Assert.Equal(2, code);
        Assert.Equal($"error: photo feature network '{Path.Combine(tmp.Path, "none.ckpt")}' does not exist: use 'photo-featnet' or a file written by 'gansharp featnet train'", ErrorLine(err));
    }

    static string ErrorLine(string err)
    {
        var errors = err.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        return errors[0].TrimEnd();
    }
}
