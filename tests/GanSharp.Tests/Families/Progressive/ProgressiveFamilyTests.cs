using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Families.Progressive;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.Progressive;

/// <summary>The progressive family end to end on 16×16 toy images: 4 → 8 → 16 in 5 phases.</summary>
public sealed class ProgressiveFamilyTests
{
    // 4 images per phase at batch 4 (1 step) at 4×4, batch 4 at 8×8 (1 step), batch 2 at 16×16 (2 steps):
    // steps 1 | 2 (fade 8, α 0) | 3 | 4, 5 (fade 16, α 0, ½) | 6, 7, … (16×16 stabilized).
    private static GanOptions Options(int steps = 9, long imagesPerPhase = 4, string resBatch = "4:4,8:4,16:2")
    {
        var o = new GanOptions
        {
            Model = ProgressiveFamily.ModelName, Data = "tiny16", Steps = steps, Batch = 4, ZDim = 8, Threads = 1, LogEvery = 1,
            SampleEvery = 1000, CheckpointEvery = 1000, SampleCount = 4, Seed = 17, Loss = GanSharp.Losses.LossKind.WganGp,
            LrG = 1e-3, LrD = 1e-3, BetasG = new[] { 0.0, 0.99 }, BetasD = new[] { 0.0, 0.99 }, Ema = 0.9,
        };
        o.Set("images-per-phase", imagesPerPhase);
        o.Set("res-batch", resBatch);
        o.Set("fmap-base", 16);
        o.Set("fmap-max", 8);
        o.Set("mbstd-group", 2);
        return o;
    }

    private static TensorDataset Images(int side = 16, int count = 32)
    {
        using var g = new Generator(9);
        return new TensorDataset("tiny16", randint(0, 256, new long[] { count, 1, side, side }, generator: g).to_type(ScalarType.Byte));
    }

    private static ProgressiveSystem Create(GanOptions o, TensorDataset data) =>
        (ProgressiveSystem)GanFamilies.Create(o, data.ExampleShape, 0);

    [Fact]
    public void TheScheduleDrivesResolutionAlphaAndBatchStepByStep()
    {
        using var data = Images();
        set_num_threads(1);
        using var system = Create(Options(), data);
        using var trainer = new Trainer(system, data);
        var seen = new List<(int Res, double Alpha, long Batch, long GRes)>();
        for (int i = 0; i < 7; i++)
        {
            var s = trainer.TrainStep();
            seen.Add(((int)s.Get("resolution")!.Value, s.Get("alpha")!.Value, trainer.Batches.BatchSize, system.GrowingG.Resolution));
        }
        Assert.Equal(new[]
        {
            (4, 1.0, 4L, 4L), (8, 0.0, 4L, 8L), (8, 1.0, 4L, 8L), (16, 0.0, 2L, 16L), (16, 0.5, 2L, 16L), (16, 1.0, 2L, 16L), (16, 1.0, 2L, 16L),
        }, seen);
        Assert.Equal(new[] { 4, 8 }, system.Snapshots.Keys);                                 // one picture per resolution left
        Assert.Equal(new long[] { ProgressiveSystem.SnapshotCount, 1, 8, 8 }, system.Snapshots[8].shape);
    }

    [Fact]
    public void DuringAFadeDSeesRealsBlendedWithTheirCoarserVersion()
    {
        using var data = Images();
        set_num_threads(1);
        using var system = Create(Options(), data);
        using var trainer = new Trainer(system, data);
        for (int i = 0; i < 4; i++) trainer.TrainStep();                                   // step 4: fade to 16 at α = 0
        Assert.Equal((16, 0.0, true), (system.State.Resolution, system.State.Alpha, system.State.Fading));
        using var scope = NewDisposeScope();
        var x = data.Gather(arange(2));                                                    // 2 × 1 × 16 × 16
        var seen = ProgressiveReals.ForState(x, system.State);
        var coarse = ProgressiveOps.Upsample2x(ProgressiveOps.Downsample2x(x));
        Assert.True(seen.equal(coarse).all().item<bool>());                                // α = 0: exactly the 8×8 version
        var half = ProgressiveReals.ForState(x, system.State with { Alpha = 0.5 });
        Assert.True(allclose(half, 0.5 * x + 0.5 * coarse, 1e-6, 1e-6));
        Assert.True(ProgressiveReals.ForState(x, system.State with { Alpha = 1, Fading = false }).equal(x).all().item<bool>());
    }

    [Fact]
    public void GrowingInTrainingKeepsTheWeightsTheirAdamMomentsAndTheirAverage()
    {
        using var data = Images();
        set_num_threads(1);
        using var system = Create(Options(), data);
        using var trainer = new Trainer(system, data);
        trainer.TrainStep();                                                                // 4×4 done
        var weights = system.G.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var dWeights = system.D.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var moments = trainer.OptG.State().ToDictionary(s => s.Name, s => s.Value.detach().clone());
        var average = system.Ema!.State().ToDictionary(s => s.Name, s => s.Value.detach().clone());
        long steps = trainer.OptG.StepCount;

        system.BeforeStep(2);                                                               // what step 2 does first: grow to 8
        Assert.Equal(8, system.GrowingG.Resolution);
        Assert.Equal(0.0, system.GrowingG.Alpha);
        var grown = system.G.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, w) in weights) Assert.True(w.equal(grown[name]).all().item<bool>(), $"G {name} changed by growing");
        var grownD = system.D.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, w) in dWeights) Assert.True(w.equal(grownD[name]).all().item<bool>(), $"D {name} changed by growing");
        Assert.Contains("blocks.1.conv0.weight", grown.Keys);
        var state = trainer.OptG.State().ToDictionary(s => s.Name, s => s.Value);
        Assert.Equal(steps, trainer.OptG.StepCount);
        foreach (var (name, m) in moments) Assert.True(m.equal(state[name]).all().item<bool>(), $"Adam {name} not carried over");
        Assert.Equal(0f, state["exp_avg.blocks.1.conv0.weight"].abs().sum().item<float>());
        var ema = system.Ema!.State().ToDictionary(s => s.Name, s => s.Value);
        foreach (var (name, a) in average) Assert.True(a.equal(ema[name]).all().item<bool>(), $"EMA {name} not carried over");

        var before = grown["blocks.1.conv0.weight"].detach().clone();
        trainer.TrainStep();                                                                // step 2: α = 0, the new block has no gradient
        Assert.True(before.equal(system.G.named_parameters().First(p => p.name == "blocks.1.conv0.weight").parameter).all().item<bool>());
        trainer.TrainStep();                                                                // step 3: α = 1, it trains
        Assert.False(before.equal(system.G.named_parameters().First(p => p.name == "blocks.1.conv0.weight").parameter).all().item<bool>());
    }

    [Theory]
    [InlineData(2)]  // stopped just after growing to 8×8 (α 0)
    [InlineData(4)]  // stopped in the middle of the fade to 16 (the next step has α ½)
    [InlineData(6)]  // stopped after the growth, stabilizing
    public void ResumeInTheMiddleOfAFadeRestoresAlphaAndResolutionBitForBit(int stopAt)
    {
        using var data = Images();
        using var tmp = new TestUtil.TempDir();
        using (var full = TrainingRun.Create(Options(), data, tmp.Path, "full")) Assert.True(full.Run());
        int res; double alpha;
        using (var part = TrainingRun.Create(Options(), data, tmp.Path, "part"))
        {
            using var cts = new CancellationTokenSource();
            part.Trainer.Observers.Add(new TestUtil.CancelAt(stopAt, cts));
            Assert.False(part.Run(cts.Token));
            var p = (ProgressiveSystem)part.System;
            (res, alpha) = (p.GrowingG.Resolution, p.GrowingG.Alpha);
        }
        using (var resumed = TrainingRun.Resume(Path.Combine(tmp.Path, "part"), data))
        {
            var p = (ProgressiveSystem)resumed.System;
            Assert.Equal(stopAt, resumed.Trainer.Step);
            Assert.Equal(res, p.GrowingG.Resolution);
            Assert.Equal(res, p.GrowingD.Resolution);
            Assert.Equal(alpha, p.GrowingG.Alpha);
            Assert.Equal(alpha, p.GrowingD.Alpha);
            Assert.True(resumed.Run());
        }
        TestUtil.AssertSameRun(tmp.Path, "full", "part");
        var resolutions = Path.Combine(tmp.Path, "part", "resolutions.png");
        Assert.True(File.Exists(resolutions));
        foreach (var r in new[] { 4, 8, 16 }) Assert.True(File.Exists(Path.Combine(tmp.Path, "part", "samples", $"res-{r:D3}.png")), $"res {r}");
    }

    [Fact]
    public void StepsAloneSplitThePhasesEvenlyAndAResumeWithMoreStepsKeepsTheSchedule()
    {
        using var data = Images();
        using var tmp = new TestUtil.TempDir();
        var o = Options(steps: 10, imagesPerPhase: 0, resBatch: "");                       // 5 phases of 2 steps
        using (var run = TrainingRun.Create(o, data, tmp.Path, "r"))
        {
            var p = (ProgressiveSystem)run.System;
            Assert.Equal(new long[] { 2, 2, 2, 2, 2 }, p.Schedule.Phases.Select(x => x.Steps));
            using var cts = new CancellationTokenSource();
            run.Trainer.Observers.Add(new TestUtil.CancelAt(8, cts));
            run.Run(cts.Token);
        }
        using (var resumed = TrainingRun.Resume(Path.Combine(tmp.Path, "r"), data, steps: 40))
        {
            var p = (ProgressiveSystem)resumed.System;
            Assert.Equal(new long[] { 2, 2, 2, 2, 2 }, p.Schedule.Phases.Select(x => x.Steps));   // not re-split over 40
            Assert.Equal(16, p.GrowingG.Resolution);
            Assert.Equal(0.5, p.GrowingG.Alpha);                                             // step 8 was the second of the fade's 2
        }
    }

    [Fact]
    public void WithoutGrowthTheSameFinalNetworksTrainAtFullResolution()
    {
        using var data = Images();
        set_num_threads(1);
        var o = Options();
        o.Set("grow", false);
        using var system = Create(o, data);
        using var grown = Create(Options(), data);
        Assert.Equal(16, system.GrowingG.Resolution);
        Assert.Single(system.Schedule.Phases);
        using var trainer = new Trainer(system, data);
        Assert.Equal(16, (int)trainer.TrainStep().Get("resolution")!.Value);
        // The same final architecture: the grown run ends with the parameter names and shapes of the direct one.
        while (grown.GrowingG.Resolution < 16) grown.Grow();
        Assert.Equal(grown.G.named_parameters().Select(p => (p.name, string.Join("x", p.parameter.shape))),
            system.G.named_parameters().Select(p => (p.name, string.Join("x", p.parameter.shape))));
        Assert.Equal(grown.D.named_parameters().Select(p => (p.name, string.Join("x", p.parameter.shape))),
            system.D.named_parameters().Select(p => (p.name, string.Join("x", p.parameter.shape))));
    }

    [Fact]
    public void TheDriftTermIsEpsilonTimesTheMeanSquaredRealScore()
    {
        using var data = Images();
        set_num_threads(1);
        var o = Options();
        o.Set("drift", 0.25);
        using var system = Create(o, data);
        using var scope = NewDisposeScope();
        var batch = new Batch(new Dictionary<string, Tensor> { [BatchFields.Image] = data.Gather(arange(4)) });
        var r = system.DiscriminatorLoss(batch, new Generator(3));
        var real = ProgressiveReals.ForState(batch.Real, system.State);
        var expectedDrift = system.D.call(real).square().mean().item<float>();
        Assert.Equal(expectedDrift, r.Logged["loss_drift"].item<float>(), 5);
        // The same loss with ε = 0 differs by exactly ε·drift (the same draws from a fresh generator of the same seed).
        var o0 = Options();
        o0.Set("drift", 0.0);
        using var s0 = Create(o0, data);
        var r0 = s0.DiscriminatorLoss(batch, new Generator(3));
        Assert.Equal(r0.Loss.item<float>() + 0.25 * expectedDrift, r.Loss.item<float>(), 4);
    }

    [Fact]
    public void DigitsArePaddedTo32AndMetricsCropThePaddingAway()
    {
        using var digits = TestUtil.TinyImages(8);
        var (padded, held) = new ProgressiveFamily().AdaptData(digits, Options(), null);
        using var _ = padded;
        Assert.Null(held);
        Assert.Equal(new long[] { 1, 32, 32 }, padded.ExampleShape);
        Assert.Equal(0, padded.Data[.., .., ..2, ..].sum().item<long>());                  // black border
        Assert.True(padded.Data[.., .., 2..30, 2..30].equal(digits.Data).all().item<bool>());
        Assert.True(padded.Labels!.equal(digits.Labels!).all().item<bool>());

        var o = Options(steps: 14, imagesPerPhase: 0, resBatch: "");
        o.Data = "fashion-mnist";
        using var system = Create(o, padded);
        Assert.True(system.Padded);
        using var scope = NewDisposeScope();
        var x = arange(2 * 32 * 32, dtype: ScalarType.Float32).view(2, 1, 32, 32);
        Assert.True(system.MetricImages(x).equal(x[.., .., 2..30, 2..30]).all().item<bool>());
        o.Data = "some-folder";
        using var folder = Create(o, padded);
        Assert.Same(x, folder.MetricImages(x));
    }

    [Fact]
    public void SamplingUpsamplesTheCurrentResolutionToTheFinalSize()
    {
        using var data = Images();
        set_num_threads(1);
        using var system = Create(Options(), data);
        using var scope = NewDisposeScope();
        var z = system.SampleLatent(3, new Generator(2));
        var native = system.G.call(z).clamp(-1, 1);                                        // 3 × 1 × 4 × 4
        var sampled = system.Generate(z);
        Assert.Equal(new long[] { 3, 1, 16, 16 }, sampled.shape);
        Assert.True(sampled.equal(native.repeat_interleave(4, 2).repeat_interleave(4, 3)).all().item<bool>());
    }

    [Theory]
    [InlineData("--res-batch", "8:6", "not a multiple of the minibatch-stddev group 4")]
    [InlineData("--res-batch", "8-16", "is not RES:BATCH")]
    [InlineData("--start-res", "2", "--start-res 2 must be a power of two from 4")]
    [InlineData("--clip", "0.01", "--clip is not available for progressive")]
    [InlineData("--minibatch-std", "true", "--minibatch-std is built into the progressive D")]
    [InlineData("--steps", "3", "--steps 3 cannot cover the 7 phases of 4→32")]
    public void BadOptionsAreRefusedInOneLineBeforeARunExists(string flag, string value, string message)
    {
        using var tmp = new TestUtil.TempDir();
        var (code, _, err) = TestUtil.RunCli("train", "progressive", "--data", "mnist", "--out", tmp.Path, "--name", "bad", "--threads", "1", flag, value);
        Assert.NotEqual(0, code);
        Assert.Contains(message, err);
        Assert.Single(err.Trim().Split('\n'), l => l.StartsWith("error:"));
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "bad")) && Directory.EnumerateFileSystemEntries(Path.Combine(tmp.Path, "bad")).Any());
    }

    [Fact]
    public void ACheckpointSamplesAtItsSavedResolution()
    {
        using var data = Images();
        using var tmp = new TestUtil.TempDir();
        using (var run = TrainingRun.Create(Options(steps: 4), data, tmp.Path, "r")) Assert.True(run.Run());
        using var sampler = Sampler.Load(Path.Combine(tmp.Path, "r"));
        var p = (ProgressiveSystem)sampler.System;
        Assert.Equal(16, p.GrowingG.Resolution);
        Assert.Equal(0.0, p.GrowingG.Alpha);                                                 // step 4 faded in at α 0
        using var samples = sampler.Sample(4, seed: 1);
        Assert.Equal(new long[] { 4, 1, 16, 16 }, samples.shape);
        var header = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(Path.Combine(tmp.Path, "r")));
        var state = header.Header["family-state"]!.AsObject();
        Assert.Equal(16, state["resolution"]!.GetValue<int>());
        Assert.Equal(14L, state["images_seen"]!.GetValue<long>());                          // 4 (4×4) + 4 + 4 (8×8) + 2 (the first fade step to 16)
        foreach (var t in header.Tensors.Values) t.Dispose();
    }
}

public sealed class ImageTilesTests
{
    [Fact]
    public void TilesAreCutRowByRowAndBadSizesAreRefused()
    {
        using var data = new TensorDataset("one", arange(2 * 8 * 8, dtype: ScalarType.Byte).view(2, 1, 8, 8));
        using var tiles = ImageTiles.Cut(data, 4);
        Assert.Equal(new long[] { 8, 1, 4, 4 }, tiles.Data.shape);
        Assert.True(tiles.Data[1].equal(data.Data[0, .., 0..4, 4..8]).all().item<bool>());    // top right of image 0
        Assert.True(tiles.Data[6].equal(data.Data[1, .., 4..8, 0..4]).all().item<bool>());    // bottom left of image 1
        var e = Assert.Throws<DataException>(() => ImageTiles.Cut(data, 3));
        Assert.Contains("--tiles 3", e.Message);
    }
}
