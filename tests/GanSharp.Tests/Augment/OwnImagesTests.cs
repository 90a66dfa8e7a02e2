using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Families;
using GanSharp.Imaging;
using GanSharp.Metrics;
using GanSharp.Models;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Augment;

/// <summary>
/// A user's own folder (issue 22): --resize reaches the folder loader in training and evaluation, --size 128 builds
/// DCGAN with a fifth block, and 'eval --checkpoint RUN --real FOLDER' measures KID/FID against that folder with
/// random-cnn, leaving out the metrics that need a classifier.
/// </summary>
public class OwnImagesTests
{
    private static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());

    /// <summary>n random RGB (or grey/RGBA) PNGs of width×height in root/name.</summary>
    private static string WriteFolder(string root, string name, int n, int width, int height, int channels = 3, int seed = 1)
    {
        var dir = Path.Combine(root, name);
        Directory.CreateDirectory(dir);
        var rng = new Random(seed);
        for (int i = 0; i < n; i++)
        {
            var pixels = new byte[width * height * channels];
            rng.NextBytes(pixels);
            ImageFile.SavePng(Path.Combine(dir, $"{i:D3}.png"), pixels, width, height, channels);
        }
        return dir;
    }

    [Fact]
    public void Dcgan128HasAFifthBlockWithTheHandCountedParameters()
    {
        manual_seed(1);
        using var g = DcGan.Generator(128, zDim: 8, channels: 3, width: 4);
        using var d = DcGan.Discriminator(128, channels: 3, width: 4);
        g.eval(); d.eval();
        using var z = randn(2, 8);
        using var images = g.call(z);
        Assert.Equal(new long[] { 2, 3, 128, 128 }, images.shape);
        using var logits = d.call(images);
        Assert.Equal(new long[] { 2 }, logits.shape);
        // G: ConvT 8·64·16, BN 2·64, then 64→32→16→8→4 (ConvT c·c/2·16 + BN 2·c/2 each), ConvT 4·3·16; no biases.
        Assert.Equal(8_192 + 128 + (32_768 + 64) + (8_192 + 32) + (2_048 + 16) + (512 + 8) + 192, Count(g));
        // D: conv 3·4·16, then 4→8→16→32→64 (conv c·2c·16 + BN 2·2c each), linear head 64·4·4 without bias.
        Assert.Equal(192 + (512 + 16) + (2_048 + 32) + (8_192 + 64) + (32_768 + 128) + 1_024, Count(d));

        var e = Assert.Throws<ArgumentException>(() => DcGan.Generator(96));
        Assert.Contains("32, 64 and 128", e.Message);
    }

    [Fact]
    public void A128PixelFolderOfMixedSizesPicksDcgan128AndTrains()
    {
        using var tmp = new TestUtil.TempDir();
        var dir = WriteFolder(tmp.Path, "photos", 4, 160, 128);
        WriteFolder(dir, "tall", 4, 100, 140, seed: 3);
        var o = new GanOptions
        {
            Model = "dcgan", Data = dir, Size = 128, Channels = 3, Resize = ResizeMode.Pad, Steps = 2, Batch = 4, ZDim = 8,
            WidthG = 4, WidthD = 4, Threads = 1, LogEvery = 1, SampleEvery = 2, CheckpointEvery = 2, SampleCount = 4, Seed = 3,
        };
        using var data = TrainingRun.OpenData(o);
        Assert.Equal(new long[] { 8, 3, 128, 128 }, data.Data.shape);
        Assert.Equal("dcgan128", GanModels.ResolveArch(o, data.ExampleShape));
        using (var run = TrainingRun.Create(o, data, tmp.Path, "r128"))
            Assert.True(run.Run());
        var last = File.ReadLines(Path.Combine(tmp.Path, "r128", "metrics.jsonl")).Last();
        var m = JsonNode.Parse(last)!;
        Assert.True(double.IsFinite((double)m["loss_d"]!) && double.IsFinite((double)m["loss_g"]!), last);
        var grid = Directory.GetFiles(Path.Combine(tmp.Path, "r128", "samples"), "*.png").Single();
        var (_, w, h, _) = ImageFile.Load(grid);
        Assert.True(w > 2 * 128 && h > 2 * 128, $"grid {w}x{h}");                 // 4 samples of 128 px, 2 × 2
    }

    [Theory]
    [InlineData(ResizeMode.Crop)]
    [InlineData(ResizeMode.Pad)]
    [InlineData(ResizeMode.Stretch)]
    public void TheResizeOptionReachesTheFolderLoader(ResizeMode mode)
    {
        using var tmp = new TestUtil.TempDir();
        var dir = WriteFolder(tmp.Path, "mixed", 2, 12, 6);
        WriteFolder(dir, "tall", 2, 5, 9, seed: 2);
        var o = new GanOptions { Model = "dcgan", Data = dir, Size = 4, Channels = 3, Resize = mode };
        using var viaOptions = TrainingRun.OpenData(o);
        using var direct = ImageFolder.Load(dir, 4, 3, resize: mode);
        Assert.True(viaOptions.Data.equal(direct.Data).all().item<bool>());
        using var other = ImageFolder.Load(dir, 4, 3, resize: mode == ResizeMode.Crop ? ResizeMode.Stretch : ResizeMode.Crop);
        Assert.False(viaOptions.Data.equal(other.Data).all().item<bool>());      // the modes differ on these images
    }

    [Fact]
    public void TheCliTakesResizeIntoOptionsJsonAndRefusesABadValueInOneLine()
    {
        using var tmp = new TestUtil.TempDir();
        var dir = WriteFolder(tmp.Path, "mixed", 8, 40, 32);
        string[] Args(string name, string resize) =>
            ["train", "dcgan", "--data", dir, "--size", "32", "--resize", resize, "--batch", "4", "--z-dim", "4", "--width-g", "2",
             "--width-d", "2", "--threads", "1", "--sample-count", "4", "--dry-run", "--out", tmp.Path, "--name", name];
        var (code, _, stderr) = TestUtil.RunCli(Args("pad", "pad"));
        Assert.True(code == 0, stderr);
        var options = JsonNode.Parse(File.ReadAllText(Path.Combine(tmp.Path, "pad", "options.json")))!;
        Assert.Equal("pad", (string?)(options["options"] ?? options)["resize"]);

        (code, _, stderr) = TestUtil.RunCli(Args("bad", "zoom"));
        Assert.NotEqual(0, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("zoom", line);
        Assert.Contains("crop", line);
    }

    [Fact]
    public void EvalAgainstAFolderUsesThatFolderAtTheRunsSizeWithRandomCnn()
    {
        using var tmp = new TestUtil.TempDir();
        var train = WriteFolder(tmp.Path, "train", 24, 40, 32);
        var other = WriteFolder(tmp.Path, "other", 30, 20, 20, seed: 9);
        var o = new GanOptions
        {
            Model = "dcgan", Data = train, Size = 32, Channels = 3, Resize = ResizeMode.Stretch, Steps = 1, Batch = 4, ZDim = 4,
            WidthG = 2, WidthD = 2, Threads = 1, SampleCount = 4, Seed = 3,
        };
        using var data = TrainingRun.OpenData(o);
        using var system = GanFamilies.Create(o, data.ExampleShape, data.NumClasses);
        var settings = new EvalSettings { Samples = 40, CacheDir = null, Reference = other };
        using var ctx = Evaluator.Context(system, settings);
        Assert.Equal(other, ctx.DatasetName);
        using var expected = ImageFolder.Load(other, 32, 3, resize: ResizeMode.Stretch);
        Assert.True(ctx.Reference!.Data.equal(expected.Data).all().item<bool>());
        Assert.Equal("random-cnn", ctx.FeatureNetwork.Name);
        using var net = RandomCnn.Create();
        var (want, _) = net.Forward(expected.Gather(arange(expected.Count)));
        Assert.True(ctx.RealFeatures().Features.equal(want).all().item<bool>());
        Assert.Contains("no classifier head", MetricRegistry.Parse("is")[0].NotApplicable(ctx));
        Assert.NotNull(MetricRegistry.Parse("modes")[0].NotApplicable(ctx));

        // KID with 30 real images: subsets of 30, the same number as Kid.Compute with that size gives.
        var report = Evaluator.Run(ctx, MetricRegistry.Parse("kid"));
        var kid = report.Results[0].Result;
        Assert.Equal("100 subsets of 30", kid.Note);
        var (mean, _) = Kid.Compute(ctx.GeneratedFeatures(40).Features, want, 100, 30, settings.Seed);
        Assert.Equal(mean, kid.Values["kid"]);

        // A reference of another kind than the checkpoint's is one line.
        Datasets.Register(new TinyGreyProvider());
        var e = Assert.Throws<ArgumentException>(() => Evaluator.Context(system, new EvalSettings { CacheDir = null, Reference = "own-images-tiny-grey" }));
        Assert.Equal("reference 'own-images-tiny-grey' has examples of shape [1,28,28], the checkpoint generates [3,32,32]: pass a reference of the run's kind", e.Message);
    }

    private sealed class TinyGreyProvider : IDatasetProvider
    {
        public string Name => "own-images-tiny-grey";
        public string Description => "test: 16 random grey 28×28 images";
        public TensorDataset Open(DatasetOpenOptions options, Action<string>? log) => TestUtil.TinyImages(16);
    }

    [Fact]
    public void TheCliEvaluatesACheckpointAgainstAFolderAndLeavesOutMetricsThatNeedAClassifier()
    {
        using var tmp = new TestUtil.TempDir();
        var train = WriteFolder(tmp.Path, "train", 12, 32, 32);
        var other = WriteFolder(tmp.Path, "other", 20, 48, 32, seed: 4);
        var (code, _, stderr) = TestUtil.RunCli("train", "dcgan", "--data", train, "--size", "32", "--batch", "4", "--z-dim", "4",
            "--width-g", "2", "--width-d", "2", "--threads", "1", "--sample-count", "4", "--dry-run", "--out", tmp.Path, "--name", "run");
        Assert.True(code == 0, stderr);
        string run = Path.Combine(tmp.Path, "run");

        (code, var stdout, stderr) = TestUtil.RunCli("eval", "--checkpoint", run, "--real", other, "--samples", "25", "--no-cache");
        Assert.True(code == 0, stderr);
        Assert.Contains("against " + other, stdout);
        Assert.Contains("feature network random-cnn", stdout);
        Assert.Contains("kid.kid ", stdout);
        Assert.Contains("fid.fid ", stdout);
        Assert.DoesNotContain("is.", stdout);
        Assert.DoesNotContain("modes.", stdout);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "checkpoints", "eval.json")))!;
        Assert.Equal(other, (string?)json["reference"]);
        Assert.Equal("random-cnn", (string?)json["feature-net"]);
        Assert.Equal("100 subsets of 20", (string?)json["metrics"]!["kid"]!["note"]);
        double againstOther = (double)json["metrics"]!["kid"]!["kid"]!;

        (code, _, stderr) = TestUtil.RunCli("eval", "--checkpoint", run, "--real", train, "--metrics", "kid", "--samples", "25", "--no-cache");
        Assert.True(code == 0, stderr);
        json = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "checkpoints", "eval.json")))!;
        Assert.NotEqual(againstOther, (double)json["metrics"]!["kid"]!["kid"]!);

        // Asked for explicitly, a metric that needs a classifier is one error line.
        (code, _, stderr) = TestUtil.RunCli("eval", "--checkpoint", run, "--real", other, "--metrics", "is", "--samples", "25", "--no-cache");
        Assert.NotEqual(0, code);
        Assert.Contains("no classifier head", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void DataExportWritesTheFirstImagesAsPngsThatLoadBackBitForBit()
    {
        using var tmp = new TestUtil.TempDir();
        using var data = TestUtil.TinyImages(12);
        string dir = Path.Combine(tmp.Path, "tiny10");
        Assert.Equal(10, FolderMaker.ExportPng(data, dir, 10));
        Assert.Equal(10, Directory.GetFiles(dir, "*.png").Length);
        using var back = ImageFolder.Load(dir, 28, 1);
        Assert.True(back.Data.equal(data.Data.narrow(0, 0, 10)).all().item<bool>());
    }

    [Fact]
    public void DataCropsSpreadsCropsOverThePhotosDeterministicallyBySeed()
    {
        using var tmp = new TestUtil.TempDir();
        string photos = Path.Combine(tmp.Path, "photos");
        Directory.CreateDirectory(photos);
        // Two flat photos, red and blue: every crop of one is that colour whatever its position and size.
        ImageFile.SavePng(Path.Combine(photos, "a-red.png"), Enumerable.Range(0, 80 * 60).SelectMany(_ => new byte[] { 200, 10, 10 }).ToArray(), 80, 60, 3);
        ImageFile.SavePng(Path.Combine(photos, "b-blue.png"), Enumerable.Range(0, 50 * 90).SelectMany(_ => new byte[] { 10, 10, 200 }).ToArray(), 50, 90, 3);
        string One(string name, long seed)
        {
            string o = Path.Combine(tmp.Path, name);
            var (code, stdout, stderr) = TestUtil.RunCli("data", "crops", "--from", photos, "--out", o, "--size", "8", "--count", "5", "--seed", seed.ToString());
            Assert.True(code == 0, stderr);
            Assert.Contains("wrote 5 crops of 8x8 from 2 photos", stdout);
            return o;
        }
        string first = One("c1", 1), again = One("c2", 1);
        var files = Directory.GetFiles(first).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(5, files.Length);
        for (int i = 0; i < 5; i++)
        {
            var (px, w, h, c) = ImageFile.Load(files[i]);
            Assert.Equal((8, 8, 3), (w, h, c));
            Assert.Equal(i < 3 ? (byte)200 : (byte)10, px[0]);                         // 3 crops of the red photo, then 2 of the blue
            Assert.True(File.ReadAllBytes(files[i]).SequenceEqual(File.ReadAllBytes(Path.Combine(again, Path.GetFileName(files[i])))));
        }

        // Positions and sizes follow the seed: a photo with a gradient gives other crops under another seed.
        ImageFile.SavePng(Path.Combine(photos, "c-ramp.png"), Enumerable.Range(0, 64 * 64).SelectMany(i => new byte[] { (byte)(i % 64 * 4), (byte)(i / 64 * 4), 0 }).ToArray(), 64, 64, 3);
        static byte[] Ramp(string dir) => File.ReadAllBytes(Directory.GetFiles(dir).Order(StringComparer.Ordinal).Last());
        var (code1, _, _) = TestUtil.RunCli("data", "crops", "--from", photos, "--out", Path.Combine(tmp.Path, "r1"), "--size", "8", "--count", "3", "--seed", "1");
        var (code2, _, _) = TestUtil.RunCli("data", "crops", "--from", photos, "--out", Path.Combine(tmp.Path, "r2"), "--size", "8", "--count", "3", "--seed", "2");
        Assert.Equal((0, 0), (code1, code2));
        Assert.False(Ramp(Path.Combine(tmp.Path, "r1")).SequenceEqual(Ramp(Path.Combine(tmp.Path, "r2"))));

        var (bad, _, err) = TestUtil.RunCli("data", "crops", "--from", Path.Combine(tmp.Path, "nope"), "--out", Path.Combine(tmp.Path, "x"));
        Assert.NotEqual(0, bad);
        Assert.Contains("does not exist", Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
