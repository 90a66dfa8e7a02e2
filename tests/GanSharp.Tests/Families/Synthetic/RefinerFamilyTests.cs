using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Data.Synthetic;
using GanSharp.Families.Synthetic;
using GanSharp.Imaging;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.Synthetic;

public sealed class RefinerFamilyTests
{
    public RefinerFamilyTests() => set_num_threads(1);

    /// <summary>A tiny run: R and D of width 4, R pretrained 2 steps, D 2 steps, then Kg 2 / Kd 1; history of 8.</summary>
    static GanOptions Options(int steps = 8, int history = 8)
    {
        var o = new GanOptions
        {
            Model = RefinerFamily.ModelName, Data = "tiny", Steps = steps, Batch = 8, WidthG = 4, WidthD = 4,
            Threads = 1, LogEvery = 1, SampleEvery = 4, CheckpointEvery = 1000, SampleCount = 8, Seed = 3,
        };
        o.Set("pretrain-r", 2);
        o.Set("pretrain-d", 2);
        o.Set("r-steps", 2);
        o.Set("refiner-blocks", 1);
        o.Set("history", history);
        o.Set("lambda-reg", 0.5);
        return o;
    }

    /// <summary>Real "images" (random pixels, 64) beside 40 + 32 held-out digits drawn with the embedded font (no system fonts needed).</summary>
    static (TensorDataset Train, TensorDataset HeldOut) Data(string cacheDir)
    {
        using var real = TestUtil.TinyImages(64);
        using var synthetic = FontDigitsProvider.Open(FontDigits.EmbeddedFonts(), new DatasetOpenOptions { CacheDir = cacheDir, Count = 40 + RefinerFamily.HeldOut, Seed = 1 }, null);
        return RefinerFamily.Unpaired(real, synthetic, RefinerFamily.HeldOut);
    }

    [Fact]
    public void UnpairedDataCarriesRealAndSyntheticWithLabelsAndHoldsOutTheLast()
    {
        using var tmp = new TestUtil.TempDir();
        using var real = TestUtil.TinyImages(64);
        using var synthetic = FontDigitsProvider.Open(FontDigits.EmbeddedFonts(), new DatasetOpenOptions { CacheDir = tmp.Path, Count = 72, Seed = 1 }, null);
        var (train, held) = RefinerFamily.Unpaired(real, synthetic, 32);
        using var _t = train;
        using var _h = held;
        Assert.Equal(64, train.Count);                                       // max(64 real, 40 synthetic)
        Assert.Equal(new[] { "image", "source", "source_label" }, train.Fields);  // the real labels are dropped
        Assert.True(train.Data.equal(real.Data).all().item<bool>());
        var src = train.ExtraFields[BatchFields.Source];
        // Rows 0..39 are synthetic 0..39, rows 40..63 wrap around to 0..23; labels follow their images.
        Assert.True(src.narrow(0, 0, 40).equal(synthetic.Data.narrow(0, 0, 40)).all().item<bool>());
        Assert.True(src.narrow(0, 40, 24).equal(synthetic.Data.narrow(0, 0, 24)).all().item<bool>());
        Assert.True(train.ExtraFields[RefinerFamily.SourceLabel].narrow(0, 40, 24).equal(synthetic.Labels!.narrow(0, 0, 24)).all().item<bool>());
        // The held-out 32 are the last synthetic images, never among the training rows.
        Assert.Equal(32, held.Count);
        Assert.True(held.ExtraFields[BatchFields.Source].equal(synthetic.Data.narrow(0, 40, 32)).all().item<bool>());
        Assert.True(held.Labels!.equal(synthetic.Labels!.narrow(0, 40, 32)).all().item<bool>());

        using var rgb = new TensorDataset("rgb", zeros(new long[] { 50, 3, 28, 28 }, dtype: ScalarType.Byte));
        var e = Assert.Throws<DataException>(() => RefinerFamily.Unpaired(real, rgb, 32));
        Assert.Equal("the synthetic images of 'rgb' have shape [3×28×28], but the real images of 'tiny' [1×28×28]: the refiner keeps the size, so both must match", e.Message);
    }

    [Fact]
    public void ScheduleIsPretrainRThenPretrainDThenKgAndKdAndResumesBitForBit()
    {
        using var tmp = new TestUtil.TempDir();
        var (data, heldOut) = Data(tmp.Path);
        using var _d = data;
        using var _h = heldOut;
        using (var full = TrainingRun.Create(Options(), data, tmp.Path, "full", heldOut: heldOut))
        {
            int dUpdates = 0;
            full.Trainer.DiscriminatorStepTaken += _ => dUpdates++;
            Assert.True(full.Run());
            // R: 2 pretraining updates + 2 per adversarial step (steps 5..8); D: 2 pretraining + 1 per adversarial step.
            Assert.Equal(2 + 2 * 4, full.Trainer.Optimizer("G").StepCount);
            Assert.Equal(2 + 4, full.Trainer.Optimizer("D").StepCount);
            Assert.Equal(6, dUpdates);
            var history = ((RefinerSystem)full.System).History!;
            Assert.Equal(8, history.Count);                                      // 6 D updates × 4 pushed, capacity 8
        }
        var lines = File.ReadAllLines(Path.Combine(tmp.Path, "full", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(8, lines.Count);
        static string Keys(JsonObject l) => string.Join(",", l.Select(kv => kv.Key).Where(k => k.StartsWith("loss_") || k.StartsWith("d_")));
        Assert.Equal("loss_g,loss_reg", Keys(lines[0]));                          // steps 1-2: R on self-regularization alone
        Assert.Equal("loss_g,loss_reg", Keys(lines[1]));
        Assert.Equal("loss_d,d_real,d_fake", Keys(lines[2]));                      // steps 3-4: D alone
        Assert.Equal("loss_d,d_real,d_fake", Keys(lines[3]));
        for (int i = 4; i < 8; i++)
        {
            var l = lines[i];
            Assert.Equal("loss_g,loss_adv,loss_reg,loss_d,d_real,d_fake", Keys(l));
            // R's loss is the adversarial term plus λ = 0.5 times the logged (unweighted) self-regularization.
            double g = l["loss_g"]!.GetValue<double>(), adv = l["loss_adv"]!.GetValue<double>(), reg = l["loss_reg"]!.GetValue<double>();
            Assert.Equal(adv + 0.5 * reg, g, 1e-4 * g);
        }
        // Pairs grid: 8 held-out digits and their refinements.
        Assert.True(File.Exists(Path.Combine(tmp.Path, "full", "samples", "step-000008.png")));

        // Stopped mid-pretraining of D (step 3) and mid-game (step 6): each resumes to the same run, history buffer included.
        foreach (int stopAt in new[] { 3, 6 })
        {
            string name = $"part{stopAt}";
            using (var part = TrainingRun.Create(Options(), data, tmp.Path, name, heldOut: heldOut))
            {
                using var cts = new CancellationTokenSource();
                part.Trainer.Observers.Add(new TestUtil.CancelAt(stopAt, cts));
                Assert.False(part.Run(cts.Token));
            }
            using (var resumed = TrainingRun.Resume(Path.Combine(tmp.Path, name), data, heldOut: heldOut))
            {
                Assert.Equal(stopAt, resumed.Trainer.Step);
                Assert.True(resumed.Run());
            }
            TestUtil.AssertSameRun(tmp.Path, "full", name, $"stopped at {stopAt}");
        }
        var (header, tensors) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(Path.Combine(tmp.Path, "full")));
        try
        {
            Assert.Equal(new long[] { 8, 1, 28, 28 }, tensors["state.history.images"].shape);
            Assert.True(tensors.ContainsKey("state.history.rng"));
            Assert.Equal(8, header["family-state"]!["history"]!.GetValue<int>());
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [Fact]
    public void WithoutHistoryTheRunResumesAndSavesNoBuffer()
    {
        using var tmp = new TestUtil.TempDir();
        var (data, heldOut) = Data(tmp.Path);
        using var _d = data;
        using var _h = heldOut;
        using (var full = TrainingRun.Create(Options(steps: 6, history: 0), data, tmp.Path, "full", heldOut: heldOut)) Assert.True(full.Run());
        using (var part = TrainingRun.Create(Options(steps: 6, history: 0), data, tmp.Path, "part", heldOut: heldOut))
        {
            using var cts = new CancellationTokenSource();
            part.Trainer.Observers.Add(new TestUtil.CancelAt(5, cts));
            Assert.False(part.Run(cts.Token));
        }
        using (var resumed = TrainingRun.Resume(Path.Combine(tmp.Path, "part"), data, heldOut: heldOut)) Assert.True(resumed.Run());
        TestUtil.AssertSameRun(tmp.Path, "full", "part");
        var (_, tensors) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(Path.Combine(tmp.Path, "full")));
        Assert.DoesNotContain(tensors.Keys, k => k.StartsWith("state.history", StringComparison.Ordinal));
        foreach (var t in tensors.Values) t.Dispose();
    }

    [Fact]
    public void DSeesHalfCurrentRefinementsAndHalfFromTheHistory()
    {
        using var system = (RefinerSystem)new RefinerFamily().Create(Options(history: 8), new long[] { 1, 28, 28 }, 0);
        var history = system.History!;
        // A full buffer of known images (every pixel 0.7); then a batch of 8 synthetic images.
        history.Load(full(8, 1, 28, 28, 0.7f));
        using var g = new Generator(5);
        var synthetic = rand(new long[] { 8, 1, 28, 28 }, generator: g) * 2 - 1;
        Tensor refined;
        using (no_grad()) refined = system.G.call(synthetic);
        var fake = system.FakeBatch(synthetic);
        Assert.True(fake.narrow(0, 0, 4).equal(refined.narrow(0, 0, 4)).all().item<bool>());   // the current refiner's half
        Assert.True(fake.narrow(0, 4, 4).eq(0.7f).all().item<bool>());                           // the past refiners' half
        // The buffer stays full; exactly 4 slots now hold the current batch's first half.
        var after = history.State();
        Assert.Equal(8, history.Count);
        int replaced = 0;
        for (int i = 0; i < 8; i++)
            if (!after[i].eq(0.7f).all().item<bool>())
            {
                replaced++;
                Assert.Contains(Enumerable.Range(0, 4), j => after[i].equal(refined[j]).all().item<bool>());
            }
        Assert.Equal(4, replaced);

        // D's loss is the local cross-entropy of real patches as real plus that fake batch's patches as refined:
        // a twin system (same seed: same weights, same buffer generator) gives the fake batch the loss must use.
        using var twin = (RefinerSystem)new RefinerFamily().Create(Options(history: 8), new long[] { 1, 28, 28 }, 0);
        using var fresh = (RefinerSystem)new RefinerFamily().Create(Options(history: 8), new long[] { 1, 28, 28 }, 0);
        twin.History!.Load(full(8, 1, 28, 28, 0.7f));
        fresh.History!.Load(full(8, 1, 28, 28, 0.7f));
        var real = rand(new long[] { 8, 1, 28, 28 }, generator: g) * 2 - 1;
        var expectedFake = twin.FakeBatch(synthetic);
        Assert.False(expectedFake.narrow(0, 4, 4).equal(expectedFake.narrow(0, 0, 4)).all().item<bool>());
        var loss = fresh.DiscriminatorLoss(synthetic, real);
        using (no_grad())
        {
            var expected = SimGanLosses.LocalAdversarial(fresh.D.call(real), real: true) + SimGanLosses.LocalAdversarial(fresh.D.call(expectedFake), real: false);
            Assert.Equal(expected.item<float>(), loss.Loss.item<float>(), 1e-5f);
        }
    }

    /// <summary>The identity as a module: stands in for R to check the self-regularization's wiring.</summary>
    private sealed class Identity() : TorchSharp.torch.nn.Module<Tensor, Tensor>("identity")
    {
        public override Tensor forward(Tensor x) => x.alias();
    }

    [Fact]
    public void SelfRegularizationIsZeroWhenRIsTheIdentityAndItsWeightIsLambda()
    {
        using var system = (RefinerSystem)new RefinerFamily().Create(Options(), new long[] { 1, 28, 28 }, 0);
        using var g = new Generator(2);
        var synthetic = rand(new long[] { 4, 1, 28, 28 }, generator: g) * 2 - 1;
        // The trained R: a positive self-regularization, weighted by λ = 0.5 in R's loss.
        var r = system.RefinerLoss(synthetic);
        double reg = r.Logged["loss_reg"].item<float>(), adv = r.Logged["loss_adv"].item<float>();
        using (no_grad())
            Assert.Equal((system.G.call(synthetic) - synthetic).abs().sum().item<float>() / 4, reg, 1e-3 * reg);
        Assert.Equal(adv + 0.5 * reg, r.Loss.item<float>(), 1e-4 * r.Loss.item<float>());
        // R = identity: the self-regularization is exactly 0, in pretraining and in R's adversarial loss.
        system.ReplaceNetworks(new Dictionary<string, TorchSharp.torch.nn.Module> { ["G"] = new Identity() });
        Assert.Equal(0f, system.PretrainLoss(synthetic).Loss.item<float>());
        var id = system.RefinerLoss(synthetic);
        Assert.Equal(0f, id.Logged["loss_reg"].item<float>());
        Assert.Equal(id.Logged["loss_adv"].item<float>(), id.Loss.item<float>());
    }

    [Fact]
    public void RefineWritesEachImageAtItsPathAndCopiesLabelFiles()
    {
        using var tmp = new TestUtil.TempDir();
        var (data, heldOut) = Data(tmp.Path);
        using var _d = data;
        using var _h = heldOut;
        using (var run = TrainingRun.Create(Options(steps: 5), data, tmp.Path, "run", heldOut: heldOut)) Assert.True(run.Run());
        // A labelled folder of 20 held-out digits, plus a CSV that must travel unchanged.
        string input = Path.Combine(tmp.Path, "in"), output = Path.Combine(tmp.Path, "out");
        using (var twenty = new TensorDataset("d", heldOut.Data.narrow(0, 0, 20).clone(), heldOut.Labels!.narrow(0, 0, 20).clone(), 10))
            Assert.Equal(20, LabelledFolder.Write(twenty, input));
        File.WriteAllText(Path.Combine(input, "labels.csv"), "file,label\n");
        var (code, stdout, err) = TestUtil.RunCli("refine", "--checkpoint", Path.Combine(tmp.Path, "run"), "--in", input, "--out", output, "--batch", "7", "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains("refined 20 images", stdout);
        Assert.Equal("file,label\n", File.ReadAllText(Path.Combine(output, "labels.csv")));
        using var before = LabelledFolder.Load(input);
        using var after = LabelledFolder.Load(output);
        Assert.True(before.Labels!.equal(after.Labels!).all().item<bool>());
        // The pixels are the checkpoint's R on each input, rounded to bytes.
        using var sampler = Sampler.Load(Path.Combine(tmp.Path, "run"));
        var refined = ((RefinerSystem)sampler.System).Refine(before.Gather(arange(20)));
        Assert.True(ImageTensor.ToBytes(refined.add(1).mul(127.5)).equal(after.Data).all().item<bool>());
        Assert.False(after.Data.equal(before.Data).all().item<bool>());

        // A picture of the wrong size: one line naming it.
        string odd = Path.Combine(tmp.Path, "odd");
        Directory.CreateDirectory(Path.Combine(odd, "3"));
        ImageTensor.SavePng(Path.Combine(odd, "3", "x.png"), zeros(new long[] { 1, 32, 32 }, dtype: ScalarType.Byte));
        (code, _, err) = TestUtil.RunCli("refine", "--checkpoint", Path.Combine(tmp.Path, "run"), "--in", odd, "--out", Path.Combine(tmp.Path, "o2"));
        Assert.Equal(2, code);
        Assert.Equal($"error: {Path.Combine(odd, "3", "x.png")} is 32×32, but the refiner takes 28×28 images (the size it was trained on)", err.Trim());
        // Writing into the input folder is refused.
        (code, _, err) = TestUtil.RunCli("refine", "--checkpoint", Path.Combine(tmp.Path, "run"), "--in", input, "--out", Path.Combine(input, "r"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: --out", err.Trim());
    }

    [Fact]
    public void MissingFontsAndRefusedOptionsAreOneErrorLineAndNoRun()
    {
        using var tmp = new TestUtil.TempDir();
        // Real images: a folder of 16 gray 28×28 PNGs (no MNIST needed); fonts: an empty folder.
        string real = Path.Combine(tmp.Path, "real"), noFonts = Path.Combine(tmp.Path, "no-fonts");
        Directory.CreateDirectory(real);
        Directory.CreateDirectory(noFonts);
        for (int i = 0; i < 16; i++) ImageTensor.SavePng(Path.Combine(real, $"{i:D2}.png"), full(new long[] { 1, 28, 28 }, i * 10, dtype: ScalarType.Byte));
        var (code, _, err) = TestUtil.RunCli("train", "refiner", "--data", real, "--size", "28", "--channels", "1", "--fonts", noFonts, "--out", tmp.Path, "--name", "f");
        Assert.Equal(2, code);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:"));
        Assert.Equal($"error: no TrueType/OpenType fonts with digits found under {noFonts}: {FontDigits.InstallHint}", line.TrimEnd());
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "f")));

        (code, _, err) = TestUtil.RunCli("train", "refiner", "--data", real, "--size", "28", "--channels", "1", "--loss", "hinge", "--out", tmp.Path, "--name", "h");
        Assert.Equal(2, code);
        Assert.Equal("error: the refiner's losses are SimGAN's local cross-entropy: drop --loss (only gan applies)", err.Trim());
        (code, _, err) = TestUtil.RunCli("train", "refiner", "--data", real, "--size", "28", "--channels", "1", "--history", "-1", "--out", tmp.Path, "--name", "b");
        Assert.Equal(2, code);
        Assert.Equal("error: --history must be 0 (no buffer) or positive (got -1)", err.Trim());
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "h")));
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "b")));
    }

    [Fact]
    public void SampleWithoutASyntheticInputPointsToRefine()
    {
        using var system = (RefinerSystem)new RefinerFamily().Create(Options(), new long[] { 1, 28, 28 }, 0);
        var e = Assert.Throws<ArgumentException>(() => system.Generate(system.SampleLatent(2, null)));
        Assert.Contains("gansharp refine --checkpoint RUN --in DIR --out DIR", e.Message);
        Assert.Same(GanFamilies.Get("refiner").GetType(), typeof(RefinerFamily));
    }
}
