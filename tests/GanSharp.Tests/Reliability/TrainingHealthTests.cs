using GanSharp.Data;
using GanSharp.Losses;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Reliability;

/// <summary>Numerical faults: D wins outright (one criterion per loss), exploding weights, non-finite inputs and losses.</summary>
public class DWinsDetectorTests
{
    // Feeds (d_real, d_fake) pairs from step 1; returns the step of the first verdict, or null.
    private static (int? Step, string? Verdict) Feed(DWinsDetector d, IEnumerable<(double Real, double Fake)> seq)
    {
        int step = 0;
        foreach (var (r, f) in seq)
            if (d.Observe(++step, r, f) is { } v) return (step, v);
        return (null, null);
    }

    private static IEnumerable<(double, double)> Repeat(double r, double f, int n) => Enumerable.Repeat((r, f), n);

    [Fact]
    public void GanWinsAfterTheStretchAndAnyBreakRestartsIt()
    {
        var d = new DWinsDetector(LossKind.Gan, 1.0, steps: 10);
        // 9 winning steps, one where D(G(z)) = 0.02 (not won), then 10 winning: the verdict comes on step 20.
        var (step, verdict) = Feed(d, Repeat(0.995, 0.001, 9).Append((0.995, 0.02)).Concat(Repeat(0.999, 0.0, 10)));
        Assert.Equal(20, step);
        Assert.Contains("D wins outright (loss gan)", verdict);
        Assert.Contains("for 10 steps in a row since step 11", verdict);
        // D(x) just under 0.99 never counts; NaN (a family that does not log D outputs) breaks the stretch.
        Assert.Null(Feed(new DWinsDetector(LossKind.Gan, 1.0, 10), Repeat(0.9899, 0.0, 50)).Step);
        Assert.Null(Feed(new DWinsDetector(LossKind.Gan, 1.0, 10), Repeat(1, 0, 9).Append((double.NaN, 0)).Concat(Repeat(1, 0, 9))).Step);
    }

    [Fact]
    public void GanWithSmoothedLabelsJudgesAgainstTheRealLabel()
    {
        // --real-label 0.9: D's optimum for real data is 0.9, so D(x) ≥ 0.89 with D(G(z)) ≤ 0.01 is winning.
        Assert.Equal(5, Feed(new DWinsDetector(LossKind.Gan, 0.9, 5), Repeat(0.895, 0.005, 5)).Step);
        Assert.Null(Feed(new DWinsDetector(LossKind.Gan, 0.9, 5), Repeat(0.885, 0.005, 20)).Step);
    }

    [Fact]
    public void LsganWinsWhenDRegressesToItsTargets()
    {
        Assert.Equal(4, Feed(new DWinsDetector(LossKind.Lsgan, 1.0, 4), Repeat(0.97, 0.03, 4)).Step);
        Assert.Null(Feed(new DWinsDetector(LossKind.Lsgan, 1.0, 4), Repeat(0.97, 0.06, 40)).Step);
    }

    [Fact]
    public void HingeWinsWhenBothMarginsArePassed()
    {
        var (step, verdict) = Feed(new DWinsDetector(LossKind.Hinge, 1.0, 6), Repeat(1.3, -1.2, 6));
        Assert.Equal(6, step);
        Assert.Contains("both margins passed", verdict);
        // One margin passed is not winning outright; nor is a mean just inside a margin.
        Assert.Null(Feed(new DWinsDetector(LossKind.Hinge, 1.0, 6), Repeat(1.3, -0.8, 60)).Step);
        Assert.Null(Feed(new DWinsDetector(LossKind.Hinge, 1.0, 6), Repeat(0.999, -3, 60)).Step);
    }

    [Fact]
    public void WganCriticGapThatGrowsWithoutBoundIsCaughtAfterWarmUp()
    {
        const int n = 40;
        // The gap doubles every 20 steps: D(x) − D(G(z)) = 2^(step/20). Checks start after 2n = 80 steps; then the
        // quarter means of the last 40 steps (10 steps apart) rise strictly, the last 2^(30/20) ≈ 2.8 times the first.
        var growing = Enumerable.Range(1, 200).Select(s => (Math.Pow(2, s / 20.0), 0.0));
        var (step, verdict) = Feed(new DWinsDetector(LossKind.Wgan, 1.0, n), growing);
        Assert.Equal(2 * n, step);
        Assert.Contains("critic gap D(x) − D(G(z)) grows without bound", verdict);
        Assert.Contains("wgan", verdict);
    }

    [Fact]
    public void WganGapThatRisesThenSettlesOrShrinksIsNotWinning()
    {
        const int n = 40;
        // The usual shape: the gap rises over the first steps (warm-up), then settles with noise; later it shrinks.
        var rng = new Random(3);
        var settles = Enumerable.Range(1, 400).Select(s => (Math.Min(s, 60) / 10.0 + rng.NextDouble() * 0.5, 0.0));
        Assert.Null(Feed(new DWinsDetector(LossKind.WganGp, 1.0, n), settles).Step);
        var shrinks = Enumerable.Range(1, 400).Select(s => (10.0 / (1 + s / 50.0), 0.0));
        Assert.Null(Feed(new DWinsDetector(LossKind.WganGp, 1.0, n), shrinks).Step);
        // A slow climb that does not double across the window is not "without bound" either; nor is doubling every
        // 40 steps (the last quarter of a 40-step window 2^(30/40) ≈ 1.7 times the first).
        Assert.Null(Feed(new DWinsDetector(LossKind.Wgan, 1.0, n), Enumerable.Range(1, 200).Select(s => (Math.Pow(2, s / 40.0), 0.0))).Step);
        var slow = Enumerable.Range(1, 400).Select(s => (5 + s / 400.0, 0.0));
        Assert.Null(Feed(new DWinsDetector(LossKind.Wgan, 1.0, n), slow).Step);
    }
}

public class TrainingHealthTests
{
    private static GanOptions Mlp(int steps) => new()
    {
        Model = "mlp", Arch = "mlp", Data = "ring", Steps = steps, Batch = 32, ZDim = 4, WidthG = 16, WidthD = 16,
        Depth = 2, Threads = 1, LogEvery = 5, SampleEvery = 1000, CheckpointEvery = 10, SampleCount = 16, Seed = 7,
    };

    [Fact]
    public void NonFiniteInputsAreRefusedBeforeTrainingNamingFieldAndExample()
    {
        var points = randn(100, 2);
        points[7, 1] = tensor(float.NaN);
        points[42, 0] = tensor(float.PositiveInfinity);
        using var data = new TensorDataset("my-points", points);
        using var tmp = new TestUtil.TempDir();
        var e = Assert.Throws<DataException>(() => TrainingRun.Create(Mlp(5), data, tmp.Path, "r"));
        Assert.Equal("training data 'my-points' field 'points' holds NaN or Inf in 2 example(s), the first at index 7: remove or repair those examples", e.Message);

        var fields = new Dictionary<string, Tensor> { ["landmarks"] = full(100, 3, float.NaN) };
        using var withField = new TensorDataset("with-field", randn(100, 2), fields: fields);
        Assert.Contains("field 'landmarks' holds NaN or Inf in 100 example(s), the first at index 0", Assert.Throws<DataException>(() => TrainingHealth.CheckInputs(withField)).Message);
        using var images = TestUtil.TinyImages(); // uint8 pixels cannot be NaN
        TrainingHealth.CheckInputs(images);
    }

    [Fact]
    public void ExplodingLearningRateStopsAtTheFirstMeasuredStepWithoutACheckpoint()
    {
        using var tmp = new TestUtil.TempDir();
        var o = Mlp(20);
        o.LrD = 1000;
        using var data = TrainingRun.OpenData(o);
        using var run = TrainingRun.Create(o, data, tmp.Path, "r");
        var e = Assert.Throws<TrainingFaultException>(() => run.Run());
        Assert.Equal(TrainingHealth.ExplodingWeights, e.Cause);
        Assert.Equal(1, e.Step);
        Assert.Matches(@"^the weights of D grew from RMS [0-9.]+ to [0-9.E+]+ \(×[0-9.E+]+\) by step 1: the updates are exploding; stopped; no checkpoint was written yet\. Fix: lower --lr-d \(now 1E\+03\)$", e.Message);
        Assert.Null(run.Directory.LatestCheckpoint());
    }

    [Fact]
    public void ACheckpointOfNonFiniteWeightsIsNotWrittenAndTheLastGoodOneIsKept()
    {
        using var tmp = new TestUtil.TempDir();
        var o = Mlp(20);
        using var data = TrainingRun.OpenData(o);
        using var run = TrainingRun.Create(o, data, tmp.Path, "r");
        run.Trainer.TrainStep();
        string good = run.Directory.SaveCheckpoint(run.Trainer, keep: 3);
        run.Trainer.TrainStep();
        using (no_grad()) run.System.G.parameters().First().fill_(float.PositiveInfinity);
        var e = Assert.Throws<TrainingFaultException>(() => run.Directory.SaveCheckpoint(run.Trainer, keep: 3));
        Assert.StartsWith("not writing checkpoint step-000002.ckpt: 'G.", e.Message);
        Assert.Contains("holds NaN or Inf (the updates exploded); the last good checkpoint step-000001.ckpt is kept", e.Message);
        Assert.Equal(good, run.Directory.LatestCheckpoint());
        Assert.False(File.Exists(run.Directory.CheckpointPath(2)));
    }

    // D at lr 10 against G at lr 1e-6: on the ring D wins outright within a few dozen steps.
    private static (TrainingFaultException Fault, string Root) DWinsRun(string dir)
    {
        var o = Mlp(300);
        o.LrD = 10;
        o.LrG = 1e-6;
        o.DWinsSteps = 20;
        using var data = TrainingRun.OpenData(o);
        using var run = TrainingRun.Create(o, data, dir, "r");
        var e = Assert.Throws<TrainingFaultException>(() => run.Run());
        return (e, run.Directory.Root);
    }

    [Fact]
    public void ATinyRunWhoseDWinsOutrightStopsDeterministicallyKeepingTheLastCheckpoint()
    {
        using var tmp = new TestUtil.TempDir();
        var (e, root) = DWinsRun(Path.Combine(tmp.Path, "a"));
        Assert.Equal(TrainingHealth.DWins, e.Cause);
        Assert.InRange(e.Step, 21, 299);
        Assert.Contains("D wins outright (loss gan): D(x) ≥ 0.99 and D(G(z)) ≤ 0.01 for 20 steps in a row", e.Message);
        Assert.Contains($"stopped at step {e.Step}; the last good checkpoint step-{e.Step / 10 * 10:D6}.ckpt is kept", e.Message);
        Assert.Contains("Fix: lower --lr-d or raise --lr-g", e.Message);
        // No checkpoint or grid for the step it stopped at, even when it is a checkpoint step; metrics end there.
        var run = RunDirectory.Open(root);
        Assert.EndsWith($"step-{(e.Step - 1) / 10 * 10:D6}.ckpt", run.LatestCheckpoint());
        int lastLogged = File.ReadLines(run.MetricsPath).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!["step"]!.GetValue<int>()).Last();
        Assert.InRange(lastLogged, e.Step - 5, e.Step);
        // Same seed, same stop.
        Assert.Equal(e.Step, DWinsRun(Path.Combine(tmp.Path, "b")).Fault.Step);
    }

    [Fact]
    public void TheCliAnswersDWinsWithOneErrorLine()
    {
        using var tmp = new TestUtil.TempDir();
        var (code, _, stderr) = TestUtil.RunCli("train", "mlp", "--data", "ring", "--steps", "300", "--batch", "32", "--z-dim", "4",
            "--width-g", "16", "--width-d", "16", "--threads", "1", "--seed", "7", "--lr-d", "10", "--lr-g", "1e-6",
            "--d-wins-steps", "20", "--out", tmp.Path, "--name", "r");
        Assert.Equal(1, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: D wins outright (loss gan)", lines[0]);
        Assert.Contains("--d-wins-steps 0 turns this check off", lines[0]);
    }
}
