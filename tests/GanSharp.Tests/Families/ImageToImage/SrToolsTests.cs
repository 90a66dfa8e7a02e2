using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Families.ImageToImage;
using GanSharp.Imaging;
using GanSharp.Metrics;
using GanSharp.Runs;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.ImageToImage;

/// <summary>The photo feature network, the content network, upscaling and eval-sr.</summary>
public sealed class SrToolsTests
{
    public SrToolsTests() => set_num_threads(1);

    [Fact]
    public void FeatureNetworkMapsAreAnEighthOfTheInputAndCostUnderThreeTenthsOfAGflop()
    {
        using var net = new PhotoFeatureNet();
        net.eval();
        using var x = zeros(2, 3, 96, 96);
        using var phi = net.FeatureMap(x);
        Assert.Equal(new long[] { 2, 128, 12, 12 }, phi.shape);
        using var pooled = net.Pooled(x);
        Assert.Equal(new long[] { 2, 128 }, pooled.shape);
        using var logits = net.call(x);
        Assert.Equal(new long[] { 2, 4 }, logits.shape);
        // 9·(3·32·96² + 32·32·48² + 32·64·48² + 64·128·24² + 128·128·12²) multiply-adds
        Assert.Equal(9L * (3 * 32 * 9216 + 32 * 32 * 2304 + 32 * 64 * 2304 + 64 * 128 * 576 + 128 * 128 * 144), PhotoFeatureNet.MultiplyAdds(96, 96));
        Assert.True(2 * PhotoFeatureNet.MultiplyAdds(96, 96) <= 0.3e9);
        // The weights' shapes give the same count.
        long fromWeights = 0;
        int[] side = [96, 48, 48, 24, 12];
        var convs = net.named_parameters().Where(p => p.name.EndsWith("weight") && p.parameter.dim() == 4).Select(p => p.parameter).ToList();
        Assert.Equal(5, convs.Count);
        for (int i = 0; i < 5; i++) fromWeights += convs[i].numel() * side[i] * side[i];
        Assert.Equal(PhotoFeatureNet.MultiplyAdds(96, 96), fromWeights);
    }

    [Fact]
    public void RotationsAreCounterClockwiseQuarterTurnsWithTheirLabels()
    {
        using var x = tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }).reshape(2, 1, 2, 2);   // [[1,2],[3,4]] and [[5,6],[7,8]]
        var (images, labels) = PhotoFeatureNet.AllRotations(x);
        Assert.Equal(new long[] { 0, 0, 1, 1, 2, 2, 3, 3 }, labels.data<long>().ToArray());
        Assert.Equal(new float[] { 2, 4, 1, 3 }, images[2].flatten().data<float>().ToArray());     // 90°: [[2,4],[1,3]]
        Assert.Equal(new float[] { 4, 3, 2, 1 }, images[4].flatten().data<float>().ToArray());     // 180°
        Assert.Equal(new float[] { 7, 5, 8, 6 }, images[7].flatten().data<float>().ToArray());     // 270° of the second
    }

    /// <summary>16×16 patches lit from the top, with noise: their rotation is plain to see.</summary>
    static Tensor LitPatches(int n, long seed)
    {
        using var g = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var ramp = linspace(230, 20, 16).reshape(1, 1, 16, 1).expand(n, 3, 16, 16);
        return (ramp + randn(new long[] { n, 3, 16, 16 }, generator: g) * 20).clamp(0, 255).to_type(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    [Fact]
    public void RotationTrainingLearnsTheTaskAndIsDeterministicBySeed()
    {
        using var train = LitPatches(64, 1);
        using var test = LitPatches(32, 2);
        var log = new List<(int, double, double)>();
        using var a = PhotoFeatureNet.TrainRotation(train, steps: 30, batch: 8, lr: 3e-3, seed: 5, logEvery: 10, progress: (s, l, acc) => log.Add((s, l, acc)));
        using var b = PhotoFeatureNet.TrainRotation(train, steps: 30, batch: 8, lr: 3e-3, seed: 5);
        Assert.Equal(new[] { 10, 20, 30 }, log.Select(l => l.Item1));
        Assert.True(a.RotationAccuracy(test) >= 0.9, $"rotation accuracy {a.RotationAccuracy(test)} on held-out patches");
        var wa = a.state_dict();
        var wb = b.state_dict();
        foreach (var (k, v) in wa) Assert.True(v.equal(wb[k]).all().item<bool>(), $"{k} differs between two runs with one seed");
    }

    [Fact]
    public void WeightsRoundTripBitForBitAndAWrongFileIsOneClearError()
    {
        using var tmp = new TestUtil.TempDir();
        string path = SrFamilyTests.FeatureNetFile(tmp.Path);
        var (net, name, sha) = PhotoFeatureNet.Load(path);
        using var _n = net;
        Assert.Equal("featnet.ckpt", name);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), sha);
        Assert.All(net.parameters(), p => Assert.False(p.requires_grad));
        manual_seed(11);
        using var fresh = new PhotoFeatureNet();                       // the same seed as the saved one
        fresh.eval();
        using var x = rand(1, 3, 32, 32) * 2 - 1;
        using var expected = fresh.FeatureMap(x);
        using var loaded = net.FeatureMap(x);
        Assert.True(expected.equal(loaded).all().item<bool>());

        string other = Path.Combine(tmp.Path, "other.ckpt");
        CheckpointFileOf(other);
        var e = Assert.Throws<DataException>(() => PhotoFeatureNet.Load(other));
        Assert.Equal($"'{other}' holds 'domain-cnn-v1' weights, not photo-featnet-v1: pass a file written by 'gansharp featnet train'", e.Message);
        File.WriteAllText(Path.Combine(tmp.Path, "junk.ckpt"), "junk");
        e = Assert.Throws<DataException>(() => PhotoFeatureNet.Load(Path.Combine(tmp.Path, "junk.ckpt")));
        Assert.StartsWith($"'{Path.Combine(tmp.Path, "junk.ckpt")}' is not a photo feature network weights file", e.Message);
    }

    [Fact]
    public void TheCommittedNetworkLoadsByNameWithItsSha256AndIsTheTrainedFileInTheTree()
    {
        var (net, name, sha) = PhotoFeatureNet.Load(PhotoFeatureNet.CommittedName);
        using var _n = net;
        Assert.Equal("photo-featnet", name);
        Assert.Equal(64, PhotoFeatureNet.CommittedSha256.Length);
        Assert.Equal(PhotoFeatureNet.CommittedSha256, sha);
        string file = Path.Combine(TestUtil.RepoRoot(), "src", "GanSharp", "Families", "ImageToImage", "Weights", "photo-featnet.ckpt");
        Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))));
        var (header, tensors) = GanSharp.Training.CheckpointFile.Load(file);
        foreach (var t in tensors.Values) t.Dispose();
        Assert.Equal(PhotoFeatureNet.Arch, (string?)header["arch"]);
        Assert.True((double)header["rotation-accuracy-test"]! > 0.25, "the committed network should beat chance (25 %) on the test photos");
        Assert.All(net.parameters(), p => Assert.False(p.requires_grad));
    }

    static void CheckpointFileOf(string path)
    {
        using var cnn = new DomainCnn();
        DomainClassifier.Save(path, cnn, new JsonObject());
    }

    [Fact]
    public void ATorchScriptVggGetsImageNetNormalisedInputsAndPassesGradients()
    {
        string file = Path.Combine(AppContext.BaseDirectory, "TestData", "featnet", "tiny_featnet.pt");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "featnet", "tiny_featnet.expected.json")));
        var expected = doc.RootElement.GetProperty("output").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle())).ToArray();
        using var content = ContentNetwork.Load(file);
        Assert.True(content.IsVgg);
        // Images whose normalised form ((x + 1)/2 − mean)/std is the fixture's input give the fixture's output.
        using var u = linspace(0, 1, 2 * 3 * 32 * 32, dtype: ScalarType.Float32).reshape(2, 3, 32, 32);
        using var mean = tensor(new float[] { 0.485f, 0.456f, 0.406f }).reshape(1, 3, 1, 1);
        using var std = tensor(new float[] { 0.229f, 0.224f, 0.225f }).reshape(1, 3, 1, 1);
        using var images = ((u * std + mean) * 2 - 1).detach().requires_grad_(true);
        using var features = content.Features(images);
        var actual = features.detach().flatten().data<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4, $"[{i}] {expected[i]} vs {actual[i]}");
        features.square().sum().backward();
        Assert.True(images.grad is { } g && g.abs().sum().item<float>() > 0, "no gradient reached the images");

        var e = Assert.Throws<DataException>(() => ContentNetwork.Load(Path.Combine(AppContext.BaseDirectory, "TestData", "featnet", "README.md.pt")));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void UpscalingKeepsTheChannelsAndUpscalesAlphaBicubically()
    {
        // A "model" that repeats each pixel 2×2: exact on uint8 pixels, so every channel rule is checked exactly.
        static Tensor Nearest(Tensor x) => nn.functional.interpolate(x, scale_factor: new double[] { 2, 2 }, mode: InterpolationMode.Nearest);
        using var g = new Generator(3);
        using var rgba = randint(0, 256, new long[] { 4, 9, 14 }, generator: g).to_type(ScalarType.Byte);
        using var up = SrUpscale.Image(Nearest, rgba, 2, tile: 8, overlap: 4);
        Assert.Equal(new long[] { 4, 18, 28 }, up.shape);
        using var rgbNearest = rgba.narrow(0, 0, 3).repeat_interleave(2, 1).repeat_interleave(2, 2);
        Assert.True(up.narrow(0, 0, 3).equal(rgbNearest).all().item<bool>());
        using var alpha = MatlabImresize.ResizeBytes(rgba.narrow(0, 3, 1).unsqueeze(0).contiguous(), 2).squeeze(0);
        Assert.True(up.narrow(0, 3, 1).equal(alpha).all().item<bool>());

        using var gray = rgba.narrow(0, 0, 1).contiguous();
        using var grayUp = SrUpscale.Image(Nearest, gray, 2);
        Assert.Equal(new long[] { 1, 18, 28 }, grayUp.shape);
        Assert.True(grayUp.equal(gray.repeat_interleave(2, 1).repeat_interleave(2, 2)).all().item<bool>());

        var e = Assert.Throws<ArgumentException>(() => SrUpscale.Image(Nearest, rgba.to_type(ScalarType.Float32), 2));
        Assert.Contains("uint8", e.Message);
    }

    [Fact]
    public void UpscaleAndEvalSrThroughTheCli()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos");
        SrFamilyTests.WritePhotos(photos);
        var (data, heldOut) = TrainingRun.OpenDataWithHeldOut(SrFamilyTests.Options(photos));
        using var _d = data;
        using var _h = heldOut;
        using (var run = TrainingRun.Create(SrFamilyTests.Options(photos, steps: 2), data, tmp.Path, "sr", heldOut: heldOut)) Assert.True(run.Run());
        string runDir = Path.Combine(tmp.Path, "sr");

        // upscale: an RGBA image of odd size, in tiles; the same call gives the same image.
        using (var img = randint(0, 256, new long[] { 4, 13, 21 }).to_type(ScalarType.Byte)) ImageTensor.SavePng(Path.Combine(tmp.Path, "in.png"), img);
        string a = Path.Combine(tmp.Path, "a.png"), b = Path.Combine(tmp.Path, "b.png");
        var (code, output, err) = TestUtil.RunCli("upscale", Path.Combine(tmp.Path, "in.png"), "--checkpoint", runDir, "--out", a, "--tile", "8", "--overlap", "4", "--threads", "1");
        Assert.True(code == 0, output + err);
        Assert.Contains("tiles", err);                                             // the progress bar
        (code, _, _) = TestUtil.RunCli("upscale", Path.Combine(tmp.Path, "in.png"), "--checkpoint", runDir, "--out", b, "--tile", "8", "--overlap", "4", "--threads", "1");
        Assert.Equal(0, code);
        var (pixels, w, h, c) = ImageFile.Load(a);
        Assert.Equal((84, 52, 4), (w, h, c));
        Assert.Equal(pixels, ImageFile.Load(b).Pixels);

        // Errors: not an image; not an SR checkpoint.
        File.WriteAllText(Path.Combine(tmp.Path, "notes.png"), "not an image");
        (code, _, err) = TestUtil.RunCli("upscale", Path.Combine(tmp.Path, "notes.png"), "--checkpoint", runDir, "--out", a);
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("notes.png", err);
        using var tiny = TestUtil.TinyImages(32);
        using (var dc = TrainingRun.Create(TestUtil.TinyDcgan(1), tiny, tmp.Path, "dcgan")) Assert.True(dc.Run());
        (code, _, err) = TestUtil.RunCli("upscale", Path.Combine(tmp.Path, "in.png"), "--checkpoint", Path.Combine(tmp.Path, "dcgan"), "--out", a);
        Assert.Equal(2, code);
        Assert.Equal($"error: '{Path.Combine(tmp.Path, "dcgan")}' is a dcgan checkpoint: upscaling needs an srresnet or srgan run (gansharp train srresnet)", err.Trim());

        // eval-sr on the test photos of the split, with the feature metrics of an (untrained) feature network.
        string featnet = SrFamilyTests.FeatureNetFile(tmp.Path), outDir = Path.Combine(tmp.Path, "eval");
        (code, output, err) = TestUtil.RunCli("eval-sr", "--checkpoint", runDir, "--data", photos, "--split", "test", "--feature-net", featnet, "--out", outDir, "--threads", "1");
        Assert.True(code == 0, output + err);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!;
        var methods = json["methods"]!.AsArray();
        Assert.Equal(2, methods.Count);
        Assert.Equal("bicubic", (string?)methods[0]!["method"]);
        var test = SrFamilyBase.Split(SrFamilyTests.Options(photos)).Test;
        Assert.Equal(test, methods[0]!["images"]!.AsArray().Select(i => (string)i!["path"]!));
        // The bicubic row by hand: MATLAB bicubic ×1/4 then ×4, PSNR on Y with a 4-pixel border.
        using (var hr = ImageTensor.Load(test[0]).unsqueeze(0))
        {
            using var lr = MatlabImresize.ResizeBytes(hr, 0.25);
            using var bic = MatlabImresize.ResizeBytes(lr, 4);
            Assert.Equal(ImageQuality.PsnrY(bic, hr, 4)[0], methods[0]!["images"]![0]!["psnr-y"]!.GetValue<double>(), 3);
            Assert.Equal(ImageQuality.SsimY(bic, hr, 4)[0], methods[0]!["images"]![0]!["ssim-y"]!.GetValue<double>(), 4);
        }
        Assert.Contains("| bicubic |", output);
        Assert.Contains("| sr (srresnet, step 2) |", output);
        Assert.Equal(test.Count, Directory.GetFiles(Path.Combine(outDir, "crops")).Length);
        var (_, cw, ch, _) = ImageFile.Load(Directory.GetFiles(Path.Combine(outDir, "crops"))[0]);
        Assert.Equal((3 * 48 + 2 * 4, 48), (cw, ch));                               // bicubic | sr | HR of the 48×48 photos
        // No patch of 96² fits a 48² photo: no FID, said as "–".
        Assert.Equal(0, methods[0]!["patches"]!.GetValue<int>());
    }

    [Fact]
    public void EvalSrNamesARunByItsFolderAndACopiedCheckpointByItsFile()
    {
        using var tmp = new TestUtil.TempDir();
        string run = Path.Combine(tmp.Path, "srresnet-x4"), checkpoints = Path.Combine(run, "checkpoints"), aside = Path.Combine(tmp.Path, "kept");
        Directory.CreateDirectory(checkpoints);
        Directory.CreateDirectory(aside);
        File.WriteAllText(Path.Combine(checkpoints, "step-000250.ckpt"), "");
        File.WriteAllText(Path.Combine(aside, "srresnet-x4-5750.ckpt"), "");
        Assert.Equal("srresnet-x4", GanSharp.Cli.Commands.EvalSrCommand.RunName(run));
        Assert.Equal("srresnet-x4", GanSharp.Cli.Commands.EvalSrCommand.RunName(run + Path.DirectorySeparatorChar));
        Assert.Equal("srresnet-x4", GanSharp.Cli.Commands.EvalSrCommand.RunName(Path.Combine(checkpoints, "step-000250.ckpt")));
        // A checkpoint copied out of its run (before the engine's --keep deletes it) is named by its file, not by
        // whatever folder lies two levels up.
        Assert.Equal("srresnet-x4-5750", GanSharp.Cli.Commands.EvalSrCommand.RunName(Path.Combine(aside, "srresnet-x4-5750.ckpt")));
    }

    [Fact]
    public void EvalSrOfBicubicAloneAndABadFolderAreOneLineEach()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos");
        SrFamilyTests.WritePhotos(photos, count: 2);
        var (code, output, err) = TestUtil.RunCli("eval-sr", "--data", photos, "--feature-net", "none", "--scale", "2", "--threads", "1");
        Assert.True(code == 0, output + err);
        using (var hr = ImageTensor.Load(Path.Combine(photos, "photo00.png")).unsqueeze(0))
        using (var hr1 = ImageTensor.Load(Path.Combine(photos, "photo01.png")).unsqueeze(0))
        {
            using var bic0 = MatlabImresize.ResizeBytes(MatlabImresize.ResizeBytes(hr, 0.5), 2);
            using var bic1 = MatlabImresize.ResizeBytes(MatlabImresize.ResizeBytes(hr1, 0.5), 2);
            double psnr = (ImageQuality.PsnrY(bic0, hr, 2)[0] + ImageQuality.PsnrY(bic1, hr1, 2)[0]) / 2;
            Assert.Contains(FormattableString.Invariant($"| bicubic | {psnr:F2} |"), output);
        }
        File.WriteAllText(Path.Combine(photos, "zz-notes.png"), "not an image");
        (code, _, err) = TestUtil.RunCli("eval-sr", "--data", photos, "--feature-net", "none", "--threads", "1");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("zz-notes.png", err);
        (code, _, err) = TestUtil.RunCli("eval-sr", "--data", Path.Combine(tmp.Path, "none"), "--threads", "1");
        Assert.Equal(2, code);
        Assert.Equal($"error: --data '{Path.Combine(tmp.Path, "none")}' is not a folder of images", err.Trim());
    }

    [Fact]
    public void FeatureMetricsCompareOutputPatchesWithHrPatches()
    {
        using var tmp = new TestUtil.TempDir();
        var (net, _, _) = PhotoFeatureNet.Load(SrFamilyTests.FeatureNetFile(tmp.Path));
        using var _n = net;
        using var g = new Generator(4);
        using var image = randint(0, 256, new long[] { 1, 3, 200, 300 }, generator: g).to_type(ScalarType.Byte);
        using var patches = SrEvaluation.Patches(image, 96);
        Assert.Equal(new long[] { 6, 3, 96, 96 }, patches.shape);                    // 2 rows × 3 columns
        Assert.True(patches[4].equal(image[0].narrow(1, 96, 96).narrow(2, 96, 96)).all().item<bool>());
        string path = Path.Combine(tmp.Path, "x.png");
        ImageTensor.SavePng(path, image[0]);
        var images = SrData.EvalImages([path, path], 4);
        try
        {
            using var hrFeatures = cat(images.Select(i => SrEvaluation.PatchFeatures(net, i.Hr)).ToList(), 0);
            Assert.Equal(new long[] { 12, 128 }, hrFeatures.shape);
            var perfect = SrEvaluation.Score("hr", images, i => i.Hr.clone(), 4, net, hrFeatures);
            Assert.All(perfect.Images, i => Assert.Equal(double.PositiveInfinity, i.PsnrY));
            Assert.Equal(0, perfect.Fid!.Value, 6);
            var bicubic = SrEvaluation.Score("bicubic", images, i => SrUpscale.Bicubic(i.Lr, 4), 4, net, hrFeatures);
            Assert.True(bicubic.Fid > 0 && bicubic.PsnrY < 30, $"FID {bicubic.Fid}, PSNR {bicubic.PsnrY}");
            Assert.Equal(12, bicubic.Patches);
        }
        finally
        {
            foreach (var i in images) i.Dispose();
        }
    }
}
