using GanSharp.Data;
using GanSharp.Models;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;
using GanSharp.Families;
using GanSharp.Runs;

namespace GanSharp.Tests.Training;

public class CheckpointTests
{
    private static List<(double, double)> Continue(TrainingRun run, int steps)
    {
        var list = new List<(double, double)>();
        for (int i = 0; i < steps; i++)
        {
            var s = run.Trainer.TrainStep();
            list.Add((s.LossD, s.LossG));
        }
        return list;
    }

    [Fact]
    public void SaveLoadGivesIdenticalParametersAndIdenticalNextStepLosses()
    {
        using var tmp = new TestUtil.TempDir();
        using var data = TestUtil.TinyImages();
        var o = TestUtil.TinyDcgan(steps: 10);
        using var run = TrainingRun.Create(o, data, tmp.Path, "a");
        Continue(run, 3);
        string path = run.Directory.SaveCheckpoint(run.Trainer, 3);
        var after = Continue(run, 3);

        // A second, independent model restored from the file: from a copy of the run, since run "a" is still
        // open for writing (one writer per run).
        string copy = Path.Combine(tmp.Path, "a-copy");
        foreach (var f in Directory.GetFiles(Path.Combine(tmp.Path, "a"), "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(f).StartsWith(".lock", StringComparison.Ordinal)) continue; // the writer's lock stays with run "a"
            string to = Path.Combine(copy, Path.GetRelativePath(Path.Combine(tmp.Path, "a"), f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
        }
        using var run2 = TrainingRun.Resume(copy, data);
        Assert.Equal(3, run2.Trainer.Step);
        var (_, saved) = CheckpointFile.Load(path);
        foreach (var (k, v) in run2.System.G.state_dict())
            Assert.True(v.equal(saved["G." + k]).all().item<bool>(), $"G.{k} differs after load");
        foreach (var (k, v) in run2.System.D.state_dict())
            Assert.True(v.equal(saved["D." + k]).all().item<bool>(), $"D.{k} differs after load");
        foreach (var t in saved.Values) t.Dispose();
        Assert.Equal(after, Continue(run2, 3));
    }

    [Fact]
    public void ResumedRunEqualsUninterruptedRunBitForBit()
    {
        using var data = TestUtil.TinyImages(count: 40); // 2 batches an epoch: resume crosses epochs
        TestUtil.AssertResumeEqualsUninterrupted(() =>
        {
            var o = TestUtil.TinyDcgan(steps: 8);
            o.DSteps = 2;
            o.LogEvery = 1;
            return o;
        }, data, stopAt: 3);
    }

    [Fact]
    public void ResumeRefusesLoweringSteps()
    {
        using var tmp = new TestUtil.TempDir();
        using var data = TestUtil.TinyImages();
        using (var run = TrainingRun.Create(TestUtil.TinyDcgan(steps: 2), data, tmp.Path, "r")) run.Run();
        var e = Assert.Throws<ArgumentException>(() => TrainingRun.Resume(Path.Combine(tmp.Path, "r"), data, steps: 1));
        Assert.Contains("only be raised", e.Message);
    }

    [Fact]
    public void CorruptOrTruncatedCheckpointGivesAClearError()
    {
        using var tmp = new TestUtil.TempDir();
        using var data = TestUtil.TinyImages();
        string path;
        using (var run = TrainingRun.Create(TestUtil.TinyDcgan(steps: 1), data, tmp.Path, "r"))
        {
            run.Run();
            path = run.Checkpoints.LastPath!;
        }
        byte[] bytes = File.ReadAllBytes(path);
        string flipped = Path.Combine(tmp.Path, "flipped.ckpt");
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(flipped, bytes);
        var e1 = Assert.Throws<CheckpointException>(() => CheckpointFile.Load(flipped));
        Assert.Contains("corrupt", e1.Message);
        Assert.Contains(flipped, e1.Message);

        string cut = Path.Combine(tmp.Path, "cut.ckpt");
        File.WriteAllBytes(cut, File.ReadAllBytes(path)[..100]);
        Assert.Throws<CheckpointException>(() => CheckpointFile.Load(cut));

        string junk = Path.Combine(tmp.Path, "junk.ckpt");
        File.WriteAllText(junk, "hello, not a checkpoint at all, but long enough to be read as one......");
        var e3 = Assert.Throws<CheckpointException>(() => CheckpointFile.Load(junk));
        Assert.Contains("not a GanSharp checkpoint", e3.Message);
    }

    [Fact]
    public void CheckpointOfAnotherModelIsRejectedWithAClearMessage()
    {
        using var tmp = new TestUtil.TempDir();
        using var data = TestUtil.TinyImages();
        string path;
        using (var run = TrainingRun.Create(TestUtil.TinyDcgan(steps: 1), data, tmp.Path, "r"))
        {
            run.Run();
            path = run.Checkpoints.LastPath!;
        }
        var (header, tensors) = CheckpointFile.Load(path);
        using var ring = GaussianMixture2D.Ring(256, 1);
        var (g, d) = GanModels.Build(TestUtil.TinyMlp(), ring.ExampleShape);
        var e = Assert.Throws<CheckpointException>(() => Trainer.LoadModule(g, "G.", tensors));
        Assert.Contains("different model", e.Message);
        g.Dispose(); d.Dispose();
        foreach (var t in tensors.Values) t.Dispose();
    }

    [Fact]
    public void FileRoundTripIsBitExactForEveryDtype()
    {
        using var tmp = new TestUtil.TempDir();
        string path = Path.Combine(tmp.Path, "x.ckpt");
        var tensors = new List<(string, Tensor)>
        {
            ("f", randn(3, 4)), ("d", randn(new long[] { 2 }, dtype: ScalarType.Float64)),
            ("l", tensor(new long[] { long.MinValue, 5, long.MaxValue })), ("b", tensor(new byte[] { 0, 7, 255 })),
            ("scalar", tensor(3.5f)),
        };
        var header = new System.Text.Json.Nodes.JsonObject { ["hello"] = "world" };
        CheckpointFile.Save(path, header, tensors);
        var (h, loaded) = CheckpointFile.Load(path);
        Assert.Equal("world", h["hello"]!.GetValue<string>());
        foreach (var (name, t) in tensors)
        {
            Assert.Equal(t.dtype, loaded[name].dtype);
            Assert.Equal(t.shape, loaded[name].shape);
            Assert.Equal(t.bytes.ToArray(), loaded[name].bytes.ToArray());
        }
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp"));
    }

    [Fact]
    public void SamplerRebuildsTheGeneratorFromTheCheckpointAlone()
    {
        using var tmp = new TestUtil.TempDir();
        using var data = TestUtil.TinyImages();
        Tensor expected;
        using (var run = TrainingRun.Create(TestUtil.TinyDcgan(steps: 2), data, tmp.Path, "r"))
        {
            run.Run();
            using var g = new Generator((ulong)ShuffledBatches.MixSeed(11, -3));
            expected = SampleGrids.Sample(run.System, run.System.SampleLatent(5, g)).clone();
        }
        using var sampler = Sampler.Load(Path.Combine(tmp.Path, "r"));
        Assert.Equal(2, sampler.Step);
        Assert.Equal("dcgan", sampler.Options.Model);
        using var got = sampler.Sample(5, 11);
        Assert.Equal(new long[] { 5, 1, 28, 28 }, got.shape);
        Assert.True(got.equal(expected).all().item<bool>());
    }
}
