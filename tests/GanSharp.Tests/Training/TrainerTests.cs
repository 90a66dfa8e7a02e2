using GanSharp.Data;
using GanSharp.Models;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;
using GanSharp.Families;
using GanSharp.Runs;

namespace GanSharp.Tests.Training;

public class TrainerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void EachGeneratorStepFollowsKDiscriminatorSteps(int k)
    {
        using var data = GaussianMixture2D.Ring(512, 1);
        var o = TestUtil.TinyMlp();
        o.DSteps = k;
        var (g, d) = GanModels.Build(o, data.ExampleShape);
        using var system = new GanSystem(g, d, o, data.ExampleShape);
        using var trainer = new Trainer(system, data);
        var calls = new List<int>();
        trainer.DiscriminatorStepTaken += step => calls.Add(step);
        for (int i = 0; i < 4; i++) trainer.TrainStep();
        Assert.Equal(4 * k, calls.Count);
        for (int step = 1; step <= 4; step++) Assert.Equal(k, calls.Count(c => c == step));
        Assert.Equal(4L * k, trainer.OptD.StepCount);
        Assert.Equal(4L, trainer.OptG.StepCount);
        // k real batches per generator step are consumed from the data.
        Assert.Equal(4L * k * o.Batch, trainer.Batches.Cursor);
    }

    [Fact]
    public void SameSeedGivesSameLossesAndOtherSeedDiffers()
    {
        using var data = TestUtil.TinyImages();
        var a = TestUtil.Losses(TestUtil.TinyDcgan(), data, 4);
        var b = TestUtil.Losses(TestUtil.TinyDcgan(), data, 4);
        var o = TestUtil.TinyDcgan();
        o.Seed = 99;
        var c = TestUtil.Losses(o, data, 4);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void JointAndSeparateBatchesBothTrainButDiffer()
    {
        using var data = TestUtil.TinyImages();
        var sep = TestUtil.Losses(TestUtil.TinyDcgan(), data, 2);
        var o = TestUtil.TinyDcgan();
        o.SeparateBatches = false;
        var joint = TestUtil.Losses(o, data, 2);
        // BatchNorm in D sees one mixed batch instead of two pure ones: the first D loss differs.
        Assert.NotEqual(sep[0].D, joint[0].D);
        Assert.All(joint, l => Assert.True(double.IsFinite(l.D) && double.IsFinite(l.G)));
    }

    [Fact]
    public void MinimaxAndNonSaturatingGiveTheirOwnGeneratorLoss()
    {
        using var data = GaussianMixture2D.Ring(512, 1);
        var ns = TestUtil.Losses(TestUtil.TinyMlp(), data, 1);
        var o = TestUtil.TinyMlp();
        o.GLoss = GanSharp.Losses.GeneratorLossKind.Minimax;
        var mm = TestUtil.Losses(o, data, 1);
        // Same weights and noise in step 1: D's loss agrees, G's is −log D vs log(1 − D).
        Assert.Equal(ns[0].D, mm[0].D);
        Assert.True(ns[0].G > 0 && mm[0].G < 0, $"nonsaturating {ns[0].G}, minimax {mm[0].G}");
    }

    [Fact]
    public void NaNLossStopsTheRunNamingLossAndStepAndKeepsTheLastCheckpoint()
    {
        using var tmp = new TestUtil.TempDir();
        using var data = GaussianMixture2D.Ring(512, 1);
        var o = TestUtil.TinyMlp(steps: 10);
        o.CheckpointEvery = 3;
        using var run = TrainingRun.Create(o, data, tmp.Path, "nan");
        // Poison D's output layer after step 4 (a checkpoint exists for step 3).
        run.Trainer.Observers.Add(new PoisonAt(4));
        var fault = Assert.Throws<TrainingFaultException>(() => run.Run());
        var e = Assert.IsType<NonFiniteLossException>(fault.InnerException);
        Assert.Equal("loss_d", e.Loss);
        Assert.Equal(5, e.Step);
        Assert.Equal(5, fault.Step);
        Assert.Equal(TrainingHealth.NonFiniteLoss, fault.Cause);
        // The message names the loss, the step, the cause (D's weights already broken), the fix and the kept checkpoint.
        Assert.Contains("loss_d became non-finite at step 5", fault.Message);
        Assert.Contains("the weights of D already hold NaN or Inf", fault.Message);
        Assert.Contains("lower --lr-d", fault.Message);
        Assert.Contains("the last good checkpoint step-000003.ckpt is kept", fault.Message);
        Assert.Equal(4, run.Trainer.Step);
        string? latest = run.Directory.LatestCheckpoint();
        Assert.NotNull(latest);
        Assert.EndsWith("step-000003.ckpt", latest);
        var (header, tensors) = CheckpointFile.Load(latest!);
        Assert.All(tensors.Values, t => Assert.True(t.isfinite().all().item<bool>()));
        foreach (var t in tensors.Values) t.Dispose();
    }

    private sealed class PoisonAt(int step) : ITrainingObserver
    {
        public void OnStep(Trainer trainer, StepStats stats)
        {
            if (stats.Step != step) return;
            using var _ = no_grad();
            foreach (var p in trainer.System.D.parameters()) p.fill_(float.NaN);
        }
    }

    [Fact]
    public void SamplingAndCheckpointObserversLeaveLossesUnchanged()
    {
        using var data = TestUtil.TinyImages();
        var o = TestUtil.TinyDcgan(steps: 6);
        var plain = TestUtil.Losses(o, data, 6);

        using var tmp = new TestUtil.TempDir();
        var o2 = TestUtil.TinyDcgan(steps: 6);
        o2.SampleEvery = 1;
        o2.CheckpointEvery = 2;
        o2.LogEvery = 1;
        using var run = TrainingRun.Create(o2, data, tmp.Path, "observed");
        var observed = new List<(double, double)>();
        run.Trainer.Observers.Add(new Record(observed));
        Assert.True(run.Run());
        Assert.Equal(plain, observed);
        Assert.Equal(6, Directory.GetFiles(run.Directory.SamplesDir, "*.png").Length);
    }

    private sealed class Record(List<(double, double)> into) : ITrainingObserver
    {
        public void OnStep(Trainer trainer, StepStats stats) => into.Add((stats.LossD, stats.LossG));
    }

    [Fact]
    public void RunWritesEveryPartOfTheRunDirectory()
    {
        using var tmp = new TestUtil.TempDir();
        using var data = TestUtil.TinyImages();
        var o = TestUtil.TinyDcgan(steps: 5);
        o.SampleEvery = 2;
        o.CheckpointEvery = 2;
        o.Keep = 2;
        using (var run = TrainingRun.Create(o, data, tmp.Path, "r"))
            Assert.True(run.Run());
        string root = Path.Combine(tmp.Path, "r");
        Assert.True(File.Exists(Path.Combine(root, "options.json")));
        Assert.True(File.Exists(Path.Combine(root, "loss.png")));
        // grids at 2, 4 and the final step 5
        Assert.Equal(new[] { "step-000002.png", "step-000004.png", "step-000005.png" },
            Directory.GetFiles(Path.Combine(root, "samples")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        // checkpoints at 2, 4, 5 with keep 2, and latest → step 5
        Assert.Equal(new[] { "latest", "step-000004.ckpt", "step-000005.ckpt" },
            Directory.GetFiles(Path.Combine(root, "checkpoints")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("step-000005.ckpt", File.ReadAllText(Path.Combine(root, "checkpoints", "latest")).Trim());
        // metrics every 2 steps plus the first and last
        var lines = File.ReadAllLines(Path.Combine(root, "metrics.jsonl"));
        var steps = lines.Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!["step"]!.GetValue<int>()).ToArray();
        Assert.Equal(new[] { 1, 2, 4, 5 }, steps);
        var first = System.Text.Json.Nodes.JsonNode.Parse(lines[0])!;
        foreach (var key in new[] { "loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "seconds" })
            Assert.NotNull(first[key]);
        var opts = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(root, "options.json")))!;
        Assert.Equal(16, opts["options"]!["batch"]!.GetValue<int>());
        Assert.NotNull(opts["versions"]!["torchsharp"]);
        Assert.NotNull(opts["machine"]!["cpu-features"]);
    }

    [Fact]
    public void ExistingRunDirectoryIsRefusedAndLeftIntact()
    {
        using var tmp = new TestUtil.TempDir();
        using var data = TestUtil.TinyImages();
        string root = Path.Combine(tmp.Path, "taken");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "keep.txt"), "mine");
        var e = Assert.Throws<ArgumentException>(() => TrainingRun.Create(TestUtil.TinyDcgan(), data, tmp.Path, "taken"));
        Assert.Contains("--resume", e.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(root, "keep.txt")));
        Assert.Single(Directory.GetFileSystemEntries(root));
    }
}
