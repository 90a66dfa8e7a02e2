using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Families.ImageToImage;
using GanSharp.Imaging;
using GanSharp.Metrics;
using GanSharp.Runs;
using GanSharp.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.ImageToImage;

/// <summary>pix2pix's --objective l1 (the ablation's baseline) and idcgan (ID-CGAN's loss), and eval-pix2pix.</summary>
public sealed class Pix2PixObjectiveTests
{
    static GanOptions Options(string data, string objective, string featnet = "", int steps = 6, string task = "derain")
    {
        var o = new GanOptions
        {
            Model = Pix2PixFamily.ModelName, Data = data, Size = 16, Steps = steps, Batch = 4, WidthG = 4, WidthD = 4,
            Threads = 1, LogEvery = 1, SampleEvery = 3, CheckpointEvery = 1000, SampleCount = 4, Seed = 3,
        };
        o.Set("task", task);
        o.Set("objective", objective);
        o.Set("d-scales", 2);
        if (featnet != "") o.Set("feature-net", featnet);
        return o;
    }

    static void TrainFullAndResumed(string root, Func<GanOptions> options, TensorDataset data, TensorDataset heldOut)
    {
        using (var full = TrainingRun.Create(options(), data, root, "full", heldOut: heldOut)) Assert.True(full.Run());
        using (var part = TrainingRun.Create(options(), data, root, "part", heldOut: heldOut))
        {
            using var cts = new CancellationTokenSource();
            part.Trainer.Observers.Add(new TestUtil.CancelAt(2, cts));
            Assert.False(part.Run(cts.Token));
        }
        using (var resumed = TrainingRun.Resume(Path.Combine(root, "part"), data, heldOut: heldOut)) Assert.True(resumed.Run());
        TestUtil.AssertSameRun(root, "full", "part");
    }

    static List<JsonObject> Metrics(string root, string run) =>
        File.ReadAllLines(Path.Combine(root, run, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Fact]
    public void L1ObjectiveTrainsGAloneAndResumesBitForBit()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos");
        Pix2PixFamilyTests.WritePhotos(photos);
        var (data, heldOut) = TrainingRun.OpenDataWithHeldOut(Options(photos, "l1"));
        using var _d = data;
        using var _h = heldOut;
        TrainFullAndResumed(tmp.Path, () => Options(photos, "l1"), data, heldOut!);
        foreach (var l in Metrics(tmp.Path, "full"))
        {
            Assert.False(l.ContainsKey("loss_d"), l.ToJsonString());
            Assert.Equal(l["loss_l1"]!.GetValue<double>(), l["loss_g"]!.GetValue<double>(), 1e-7);
        }
        using var system = (Pix2PixSystem)new Pix2PixFamily().Create(Options(photos, "l1"), new long[] { 3, 16, 16 }, 0);
        Assert.Equal(new[] { "G" }, system.Networks.Select(n => n.Name));
    }

    [Fact]
    public void IdCganLossIsMsePlusPerceptualPlusWeightedMultiScaleAdversarialAndResumes()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos"), featnet = SrFamilyTests.FeatureNetFile(tmp.Path);
        Pix2PixFamilyTests.WritePhotos(photos);
        var (data, heldOut) = TrainingRun.OpenDataWithHeldOut(Options(photos, "idcgan", featnet));
        using var _d = data;
        using var _h = heldOut;
        TrainFullAndResumed(tmp.Path, () => Options(photos, "idcgan", featnet), data, heldOut!);
        var lines = Metrics(tmp.Path, "full");
        double scale = lines[0]["content_scale"]!.GetValue<double>();
        foreach (var l in lines)
        {
            double g = l["loss_g"]!.GetValue<double>();
            double expected = l["loss_mse"]!.GetValue<double>() + l["loss_perceptual"]!.GetValue<double>() + 6.6e-3 * l["loss_adv"]!.GetValue<double>();
            Assert.Equal(expected, g, 1e-5);
            Assert.Equal(scale, l["content_scale"]!.GetValue<double>());
        }

        // By hand on one batch: the terms, the calibration (perceptual(source, target) = MSE(source, target)), D's scales.
        using var system = (Pix2PixSystem)new Pix2PixFamily().Create(Options(photos, "idcgan", featnet), new long[] { 3, 16, 16 }, 0);
        system.D.eval();
        using var idx = arange(4);
        var batch = data.GatherExtra(idx);
        using var source = batch[BatchFields.Source];
        using var real = data.Gather(idx);
        using var g0 = new Generator(5);
        using var fake = rand(new long[] { 4, 3, 16, 16 }, generator: g0) * 2 - 1;
        var r = system.IdCganGeneratorLoss(source, real, fake);
        double s = system.ContentScale!.Value;
        var (net, _, _) = PhotoFeatureNet.Load(featnet);
        using var _n = net;
        double Perceptual(Tensor a, Tensor b) => (net.FeatureMap(a) * s - net.FeatureMap(b) * s).square().mean().item<float>();
        Assert.Equal((source - real).square().mean().item<float>(), Perceptual(source, real), 1e-4);
        Assert.Equal(Perceptual(fake, real), r.Logged["loss_perceptual"].item<float>(), 1e-5);
        Assert.Equal((fake - real).square().mean().item<float>(), r.Logged["loss_mse"].item<float>(), 1e-6);
        var d = (MultiScaleDiscriminator)system.D;
        var scales = d.Scales(PatchGan.Pair(source, fake));
        Assert.Equal(2, scales.Count);
        double adv = scales.Average(m => nn.functional.softplus(-m).mean().item<float>());     // mean over scales of −log D
        Assert.Equal(adv, r.Logged["loss_adv"].item<float>(), 1e-5);
        Assert.Equal(r.Logged["loss_mse"].item<float>() + r.Logged["loss_perceptual"].item<float>() + 6.6e-3 * adv, r.Loss.item<float>(), 1e-5);
    }

    [Fact]
    public void ObjectivesRefuseWhatTheyCannotHonour()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos");
        Pix2PixFamilyTests.WritePhotos(photos);
        string[] common = ["--data", photos, "--size", "16", "--batch", "4", "--width-g", "4", "--width-d", "4", "--threads", "1", "--out", tmp.Path];
        var (code, _, err) = TestUtil.RunCli(["train", "pix2pix", .. common, "--objective", "idcgan", "--task", "edges", "--name", "a"]);
        Assert.Equal(2, code);
        Assert.EndsWith("error: --objective idcgan calibrates its perceptual term on the corrupted source, but --task edges has 1-channel sources: use it with derain, denoise, denoise-poisson, inpaint or paired", err.Trim());
        (code, _, err) = TestUtil.RunCli(["train", "pix2pix", .. common, "--objective", "l1", "--task", "derain", "--r1", "1", "--name", "b"]);
        Assert.Equal(2, code);
        Assert.EndsWith("error: --objective l1 trains no discriminator: drop --d-steps and --r1", err.Trim());
        (code, _, err) = TestUtil.RunCli(["train", "pix2pix", .. common, "--objective", "idcgan", "--task", "derain", "--name", "c"]);
        Assert.Equal(2, code);
        Assert.EndsWith("error: --d-scales 3 shrinks 16×16 pairs to 4 px, too small for the PatchGAN: use fewer scales or a smaller --patch", err.Trim());
        foreach (var n in new[] { "a", "b", "c" }) Assert.False(Directory.Exists(Path.Combine(tmp.Path, n)), n);
    }

    [Fact]
    public void EvalPix2PixScoresTheCorruptedInputAndEachRunOnHeldOutPairs()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos"), featnet = SrFamilyTests.FeatureNetFile(tmp.Path);
        Pix2PixFamilyTests.WritePhotos(photos);
        var (data, heldOut) = TrainingRun.OpenDataWithHeldOut(Options(photos, "l1", task: "denoise"));
        using var _d = data;
        using var h = heldOut!;
        foreach (var objective in new[] { "l1", "cgan-l1" })
            using (var run = TrainingRun.Create(Options(photos, objective, steps: 2, task: "denoise"), data, tmp.Path, objective, heldOut: heldOut)) Assert.True(run.Run());
        string outDir = Path.Combine(tmp.Path, "eval");
        var (code, output, err) = TestUtil.RunCli("eval-pix2pix", "--checkpoint", Path.Combine(tmp.Path, "l1"), "--checkpoint", Path.Combine(tmp.Path, "cgan-l1"),
            "--feature-net", featnet, "--out", outDir, "--threads", "1");
        Assert.True(code == 0, output + err);
        var methods = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!["methods"]!.AsArray();
        Assert.Equal(new[] { "corrupted input", "l1 (l1, step 2)", "cgan-l1 (cgan-l1, step 2)" }, methods.Select(m => (string)m!["method"]!));
        // The corrupted input's row by hand: the held-out noisy sources against their clean targets.
        using var src = h.ExtraFields[BatchFields.Source].to_type(ScalarType.Float64);
        using var tgt = h.Data.to_type(ScalarType.Float64);
        Assert.Equal(ImageQuality.Psnr(src, tgt).Average(), methods[0]!["psnr"]!.GetValue<double>(), 3);
        Assert.Equal(ImageQuality.Ssim(src, tgt).Average(), methods[0]!["ssim"]!.GetValue<double>(), 4);
        Assert.Equal((src - tgt).abs().mean().item<double>() / 255, methods[0]!["l1"]!.GetValue<double>(), 5);
        Assert.True(methods[0]!["kid"] is not null && methods[0]!["fid"]!.GetValue<double>() >= 0);
        // The grid: one row per held-out pair, source | two runs | target.
        var (_, w, gh, _) = ImageFile.Load(Path.Combine(outDir, "grid.png"));
        Assert.Equal((4 * 18 + 2, (int)h.Count * 18 + 2), (w, gh));
        // The same seed gives the same table.
        var (code2, output2, _) = TestUtil.RunCli("eval-pix2pix", "--checkpoint", Path.Combine(tmp.Path, "l1"), "--checkpoint", Path.Combine(tmp.Path, "cgan-l1"), "--feature-net", featnet, "--threads", "1");
        Assert.Equal(0, code2);
        Assert.Equal(output.Split('\n').Where(l => l.StartsWith('|')), output2.Split('\n').Where(l => l.StartsWith('|')));
    }
}
