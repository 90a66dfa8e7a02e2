using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Families.TextToImage;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.TextToImage;

/// <summary>A text encoder pretrained once (2 steps of the text-encoder family, tiny widths) for the GAN tests.</summary>
public sealed class PretrainedEncoderFixture : IDisposable
{
    private readonly TestUtil.TempDir _tmp = new();

    public PretrainedEncoderFixture()
    {
        set_num_threads(1);
        using var data = TextToImageFamilyTests.Shapes(64, 16);
        using var heldOut = TextToImageFamilyTests.Shapes(16, 16, split: "heldout");
        using var run = TrainingRun.Create(TextToImageFamilyTests.EncoderOptions(2), data, _tmp.Path, "te", heldOut: heldOut);
        Assert.True(run.Run());
        Path = System.IO.Path.Combine(_tmp.Path, "te");
    }

    /// <summary>The text-encoder run directory.</summary>
    public string Path { get; }

    public string Root => _tmp.Path;

    public void Dispose() => _tmp.Dispose();
}

/// <summary>
/// The text-to-image families on the engine (issue 13): the text-encoder pretraining, GAN-CLS in its four variants and
/// StackGAN's two stages; each resumes bit for bit (StackGAN mid-Stage-I and mid-Stage-II), logs the three D pairs,
/// refuses data without captions and options it cannot honour in one line, and draws its progress grids from fixed
/// held-out captions.
/// </summary>
public sealed class TextToImageFamilyTests(PretrainedEncoderFixture encoder) : IClassFixture<PretrainedEncoderFixture>
{
    public static TensorDataset Shapes(int n, int size, long seed = 1, string split = "train") => CaptionedShapes.Generate(n, size, seed, split);

    public static GanOptions EncoderOptions(int steps) => Tiny(new GanOptions { Model = TextEncoderFamily.ModelName, Size = 16, Steps = steps, LrG = 2e-3 }, text: true);

    internal static GanOptions Tiny(GanOptions o, bool text = false)
    {
        o.Data = "shapes";
        o.Batch = 8;
        o.Threads = 1;
        o.LogEvery = 1;
        o.SampleEvery = 1000;
        o.CheckpointEvery = 1000;
        o.SampleCount = 16;
        o.Seed = 3;
        o.ZDim = 8;
        o.WidthG = 4;
        o.WidthD = 4;
        o.Set("embedding-dim", 16);
        if (text)
        {
            o.Set("word-dim", 8);
            o.Set("hidden-dim", 8);
        }
        return o;
    }

    private GanOptions GanCls(int steps, string variant = "gan-int-cls") => TinyGanCls(encoder.Path, steps, variant);

    private GanOptions StackGan(int steps, string stage = "both", int stage1Steps = 3) => TinyStackGan(encoder.Path, steps, stage, stage1Steps);

    /// <summary>A tiny gan-cls run (16 px) conditioned by the text encoder at <paramref name="encoderPath"/>.</summary>
    internal static GanOptions TinyGanCls(string encoderPath, int steps, string variant = "gan-int-cls")
    {
        var o = Tiny(new GanOptions { Model = GanClsFamily.ModelName, Size = 16, Steps = steps });
        o.Set("variant", variant);
        o.Set("text-encoder", encoderPath);
        return o;
    }

    /// <summary>A tiny StackGAN run (8 → 32 px, one residual block) conditioned by the text encoder at <paramref name="encoderPath"/>.</summary>
    internal static GanOptions TinyStackGan(string encoderPath, int steps, string stage = "both", int stage1Steps = 3)
    {
        var o = Tiny(new GanOptions { Model = StackGanFamily.ModelName, Size = 32, Steps = steps });
        o.Set("stage", stage);
        o.Set("stage1-steps", stage1Steps);
        o.Set("text-encoder", encoderPath);
        o.Set("cond-dim", 8);
        o.Set("residual-blocks", 1);
        return o;
    }

    internal static List<JsonObject> Metrics(string run) =>
        File.ReadAllLines(System.IO.Path.Combine(run, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    internal static double V(JsonObject line, string key) => line[key]!.GetValue<double>();

    /// <summary>Runs "full" to the end, and "part" stopped after each of <paramref name="stops"/> and resumed; both must agree bit for bit.</summary>
    internal static void AssertResumesBitForBit(GanOptions o, TensorDataset data, TensorDataset heldOut, string root, params int[] stops)
    {
        using (var full = TrainingRun.Create(o, data, root, "full", heldOut: heldOut)) Assert.True(full.Run());
        foreach (int stop in stops)
        {
            string name = $"part{stop}";
            using (var part = TrainingRun.Create(o, data, root, name, heldOut: heldOut))
            {
                using var cts = new CancellationTokenSource();
                part.Trainer.Observers.Add(new TestUtil.CancelAt(stop, cts));
                Assert.False(part.Run(cts.Token));
            }
            using (var resumed = TrainingRun.Resume(System.IO.Path.Combine(root, name), data, heldOut: heldOut))
            {
                Assert.Equal(stop, resumed.Trainer.Step);
                Assert.True(resumed.Run());
            }
            TestUtil.AssertSameRun(root, "full", name, $"stopped at {stop}");
        }
    }

    [Fact]
    public void TheTextEncoderTrainsOnTheEngineKeepsItsVocabularyAndResumesBitForBit()
    {
        using var data = Shapes(64, 16);
        using var heldOut = Shapes(16, 16, split: "heldout");
        using var tmp = new TestUtil.TempDir();
        AssertResumesBitForBit(EncoderOptions(5), data, heldOut, tmp.Path, 2);
        var lines = Metrics(System.IO.Path.Combine(tmp.Path, "full"));
        Assert.Equal(5, lines.Count);
        Assert.All(lines, l => Assert.InRange(V(l, "embed_top1"), 0, 1));
        Assert.All(lines, l => Assert.True(V(l, "loss_embed") >= 0));
        // By default the batch has hard negatives and both embeddings an attribute loss (weight 10): the logged total is
        // the hinge plus 10 times the two attribute cross-entropies.
        Assert.All(lines, l => Assert.InRange(V(l, "embed_hard_top1"), 0, 1));
        Assert.All(lines, l => Assert.Equal(V(l, "loss_hinge") + 10 * (V(l, "attr_text") + V(l, "attr_image")), V(l, "loss_embed"), 2));
        // The checkpoint alone gives the encoder and the vocabulary the data has.
        var (text, vocabulary) = PretrainedTextEncoder.Load(System.IO.Path.Combine(tmp.Path, "full"));
        using (text)
        {
            Assert.Equal(CaptionedShapes.Vocabulary.Tokens, vocabulary.Tokens);
            Assert.Equal(CaptionedShapes.Vocabulary.Count, text.VocabularySize);
            Assert.Equal(16, text.EmbeddingDim);
        }
        // Its progress grid is a retrieval grid: 8 held-out captions named beside it, each with its own image first.
        Assert.Equal(8, File.ReadAllLines(System.IO.Path.Combine(tmp.Path, "full", "samples", "rows.txt")).Length);
        Assert.True(File.Exists(System.IO.Path.Combine(tmp.Path, "full", "samples", "step-000005.png")));
    }

    [Fact]
    public void GanClsLogsEachPairAndItsLossesAreAlgorithmOnesAndResumeBitForBit()
    {
        using var data = Shapes(64, 16);
        using var heldOut = Shapes(8, 16, split: "heldout");
        using var tmp = new TestUtil.TempDir();
        AssertResumesBitForBit(GanCls(5), data, heldOut, tmp.Path, 3);
        var lines = Metrics(System.IO.Path.Combine(tmp.Path, "full"));
        Assert.Equal(5, lines.Count);
        foreach (var l in lines)
        {
            // D: −log s_r − ½[log(1 − s_w) + log(1 − s_f)], each pair logged on its own.
            Assert.Equal(V(l, "loss_d"), V(l, "loss_d_real") + 0.5 * (V(l, "loss_d_wrong") + V(l, "loss_d_fake")), 5);
            foreach (var k in new[] { "d_real", "d_wrong", "d_fake" }) Assert.InRange(V(l, k), 0, 1);
            // G: −log s_f plus the GAN-INT term (weight 1).
            Assert.Equal(V(l, "loss_g"), V(l, "loss_adv") + V(l, "loss_int"), 5);
        }
        // The pretrained encoder stayed frozen: its weights in the run equal the text-encoder run's.
        var (pretrained, _) = PretrainedTextEncoder.Load(encoder.Path);
        var (inRun, _) = PretrainedTextEncoder.Load(System.IO.Path.Combine(tmp.Path, "full"));
        using (pretrained)
        using (inRun)
            foreach (var (a, b) in pretrained.parameters().Zip(inRun.parameters()))
                Assert.True(a.equal(b).all().item<bool>());
    }

    [Theory]
    [InlineData("gan", false, false)]
    [InlineData("gan-cls", true, false)]
    [InlineData("gan-int", false, true)]
    public void EachVariantUsesItsOwnTermsAndResumesBitForBit(string variant, bool wrong, bool interpolated)
    {
        using var data = Shapes(32, 16);
        using var tmp = new TestUtil.TempDir();
        // Each variant draws its own randomness (no wrong texts for gan and gan-int, no interpolation pairs for
        // gan and gan-cls): a resume mid-run must still continue it bit for bit.
        AssertResumesBitForBit(GanCls(4, variant), data, data, tmp.Path, 2);
        var lines = Metrics(System.IO.Path.Combine(tmp.Path, "full"));
        Assert.Equal(4, lines.Count);
        foreach (var l in lines)
        {
            Assert.Equal(wrong, l.ContainsKey("loss_d_wrong"));
            Assert.Equal(interpolated, l.ContainsKey("loss_int"));
            double expected = wrong ? V(l, "loss_d_real") + 0.5 * (V(l, "loss_d_wrong") + V(l, "loss_d_fake")) : V(l, "loss_d_real") + V(l, "loss_d_fake");
            Assert.Equal(V(l, "loss_d"), expected, 5);
        }
    }

    [Fact]
    public void ATunedTextEncoderLearnsWithDAndResumesBitForBit()
    {
        using var data = Shapes(32, 16);
        using var tmp = new TestUtil.TempDir();
        var o = GanCls(3, "gan-cls");
        o.Set("tune-text-encoder", true);
        AssertResumesBitForBit(o, data, data, tmp.Path, 1);
        var (pretrained, _) = PretrainedTextEncoder.Load(encoder.Path);
        var (tuned, _) = PretrainedTextEncoder.Load(System.IO.Path.Combine(tmp.Path, "full"));
        using (pretrained)
        using (tuned)
            Assert.Contains(pretrained.parameters().Zip(tuned.parameters()), p => !p.First.equal(p.Second).all().item<bool>());
    }

    [Fact]
    public void CaptionedDigitsAre28PixelsPaddedTo32AndTrainEndToEnd()
    {
        using var tiny = TestUtil.TinyImages(48);
        using var digits = CaptionedMnist.Build(tiny, "mnist", seed: 1);
        using var tmp = new TestUtil.TempDir();
        var te = EncoderOptions(1);
        te.Data = "tiny-digits";                                            // no test split to hold out: grids use training captions
        var (encoderData, none) = GanFamilies.Get(TextEncoderFamily.ModelName).AdaptData(digits, te, null);
        Assert.Null(none);
        using (encoderData)
        {
            Assert.Equal(new long[] { 1, 32, 32 }, encoderData.ExampleShape);
            // Padding is the black background: the 28×28 digit sits unchanged in the middle.
            Assert.True(encoderData.Data[.., .., 2..30, 2..30].equal(digits.Data).all().item<bool>());
            Assert.Equal(0, encoderData.Data[.., .., 0..2, ..].sum().item<long>());
            using (var run = TrainingRun.Create(te, encoderData, tmp.Path, "te")) Assert.True(run.Run());
            var o = Tiny(new GanOptions { Model = GanClsFamily.ModelName, Steps = 1 });
            o.Data = "tiny-digits";
            o.Set("text-encoder", System.IO.Path.Combine(tmp.Path, "te"));
            using (var run = TrainingRun.Create(o, encoderData, tmp.Path, "cls")) Assert.True(run.Run());
        }
        using var sampler = Sampler.Load(System.IO.Path.Combine(tmp.Path, "cls"));
        var vocabulary = ((ITextToImage)sampler.System).Vocabulary;
        Assert.Equal(CaptionedMnist.VocabularyFor("mnist").Tokens, vocabulary.Tokens);
        using var ids = vocabulary.EncodeBatch(["a thick seven leaning right , large"]).Ids;
        Assert.Equal(new long[] { 2, 1, 32, 32 }, sampler.Sample(2, 0, ids.expand(2, -1).contiguous()).shape);
    }

    [Fact]
    public void TheMatchingAwareLossAndItsLoggedPairsMatchTheHandValues()
    {
        // Logits: real-right [0, ln 3], real-wrong [ln 3], fake-right [−ln 3].
        double ln3 = Math.Log(3);
        using var real = tensor(new[] { 0f, (float)ln3 });
        using var wrong = tensor(new[] { (float)ln3 });
        using var fake = tensor(new[] { (float)-ln3 });
        var r = TextToImageSystem.MatchingAware(real, wrong, fake, "d");
        double lossReal = (Math.Log(2) + Math.Log(4.0 / 3)) / 2;       // −log σ(0), −log σ(ln 3) = ln(4/3)
        double lossWrong = Math.Log(4);                                  // −log(1 − σ(ln 3)) = ln 4
        double lossFake = Math.Log(4.0 / 3);                             // −log(1 − σ(−ln 3)) = ln(4/3)
        Assert.Equal(lossReal + 0.5 * (lossWrong + lossFake), r.Loss.item<float>(), 5);
        Assert.Equal(lossReal, r.Logged["loss_d_real"].item<float>(), 5);
        Assert.Equal(lossWrong, r.Logged["loss_d_wrong"].item<float>(), 5);
        Assert.Equal(lossFake, r.Logged["loss_d_fake"].item<float>(), 5);
        Assert.Equal((0.5 + 0.75) / 2, r.DReal!.item<float>(), 5);
        Assert.Equal(0.75, r.Logged["d_wrong"].item<float>(), 5);
        Assert.Equal(0.25, r.DFake!.item<float>(), 5);
        // Without a wrong pair (the plain GAN): −log s_r − log(1 − s_f).
        Assert.Equal(lossReal + lossFake, TextToImageSystem.MatchingAware(real, null, fake, "d").Loss.item<float>(), 5);
    }

    [Fact]
    public void StackGanTrainsStageIThenStageIIAndResumesMidEitherStage()
    {
        using var data = Shapes(48, 32);
        using var heldOut = Shapes(8, 32, split: "heldout");
        using var tmp = new TestUtil.TempDir();
        var o = StackGan(6, stage1Steps: 3);
        o.CheckpointEvery = 3;
        AssertResumesBitForBit(o, data, heldOut, tmp.Path, 2, 4);
        var lines = Metrics(System.IO.Path.Combine(tmp.Path, "full"));
        Assert.Equal(6, lines.Count);
        foreach (var l in lines.Take(3))
        {
            Assert.True(l.ContainsKey("loss_d") && l.ContainsKey("loss_kl") && l.ContainsKey("loss_d_wrong"));
            Assert.False(l.ContainsKey("loss_d2"));
            Assert.Equal(V(l, "loss_g"), V(l, "loss_adv") + V(l, "loss_kl"), tolerance: 1e-5);    // λ = 1
        }
        foreach (var l in lines.Skip(3))
        {
            Assert.True(l.ContainsKey("loss_d2") && l.ContainsKey("loss_kl2") && l.ContainsKey("d2_wrong"));
            Assert.False(l.ContainsKey("loss_d"));
            // A tolerance, not "5 decimal places": rounding puts 1.4079149961 and 1.4079150259 (float32 sums) 1e-5 apart.
            Assert.Equal(V(l, "loss_d2"), V(l, "loss_d2_real") + 0.5 * (V(l, "loss_d2_wrong") + V(l, "loss_d2_fake")), tolerance: 1e-5);
        }
        // Stage-I is frozen while Stage-II trains: G (and D) at step 6 equal step 3's; Stage-II moved.
        string ckpts = System.IO.Path.Combine(tmp.Path, "full", "checkpoints");
        var (_, at3) = CheckpointFile.Load(System.IO.Path.Combine(ckpts, "step-000003.ckpt"));
        var (_, at6) = CheckpointFile.Load(System.IO.Path.Combine(ckpts, "step-000006.ckpt"));
        try
        {
            foreach (var k in at3.Keys.Where(k => k.StartsWith("G.", StringComparison.Ordinal) || k.StartsWith("D.", StringComparison.Ordinal)))
                Assert.True(at3[k].equal(at6[k]).all().item<bool>(), $"{k} changed during Stage-II");
            Assert.Contains(at3.Keys.Where(k => k.StartsWith("G2.", StringComparison.Ordinal) && at3[k].is_floating_point()), k => !at3[k].equal(at6[k]).all().item<bool>());
        }
        finally
        {
            foreach (var t in at3.Values.Concat(at6.Values)) t.Dispose();
        }
        // From the checkpoint alone: Stage-II draws 4× Stage-I's side (8 → 32).
        using var sampler = Sampler.Load(System.IO.Path.Combine(tmp.Path, "full"));
        var stack = (StackGanSystem)sampler.System;
        Assert.Equal(2, stack.Stage);
        using var ids = CaptionedShapes.Vocabulary.EncodeBatch(["a small red circle at the top left on a black background"]).Ids;
        using var z = stack.SampleLatent(2, null);
        var (s1, s2) = stack.GenerateStages(z, ids.expand(2, -1));
        Assert.Equal(new long[] { 2, 3, 8, 8 }, s1.shape);
        Assert.Equal(new long[] { 2, 3, 32, 32 }, s2!.shape);
        Assert.Equal(new long[] { 2, 3, 32, 32 }, sampler.Sample(2, 0, ids.expand(2, -1).contiguous()).shape);
        // The grid shows each Stage-I sample (upsampled) beside its Stage-II refinement.
        Assert.True(File.Exists(System.IO.Path.Combine(tmp.Path, "full", "samples", "step-000006.png")));
    }

    [Fact]
    public void StackGanStageTwoRefinesTheStageOneOfAnotherRun()
    {
        using var data = Shapes(32, 32);
        using var tmp = new TestUtil.TempDir();
        using (var one = TrainingRun.Create(StackGan(2, stage: "1"), data, tmp.Path, "one")) Assert.True(one.Run());
        var o = StackGan(2, stage: "2");
        o.Set("text-encoder", "");
        o.Set("stage1-from", System.IO.Path.Combine(tmp.Path, "one"));
        using (var two = TrainingRun.Create(o, data, tmp.Path, "two")) Assert.True(two.Run());
        var (_, a) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(System.IO.Path.Combine(tmp.Path, "one")));
        var (_, b) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(System.IO.Path.Combine(tmp.Path, "two")));
        try
        {
            foreach (var k in a.Keys.Where(k => k.StartsWith("G.", StringComparison.Ordinal) || k.StartsWith("T.", StringComparison.Ordinal)))
                Assert.True(a[k].equal(b[k]).all().item<bool>(), $"{k} differs from the Stage-I run");
        }
        finally
        {
            foreach (var t in a.Values.Concat(b.Values)) t.Dispose();
        }
        Assert.All(Metrics(System.IO.Path.Combine(tmp.Path, "two")), l => Assert.True(l.ContainsKey("loss_d2") && !l.ContainsKey("loss_d")));
    }

    [Fact]
    public void StackGanStageOneAloneAndStageTwoOnAnotherRunResumeBitForBit()
    {
        using var data = Shapes(32, 32);
        using var tmp = new TestUtil.TempDir();
        // --stage 1: Stage-I only, stopped mid-run and resumed.
        string stage1Root = System.IO.Path.Combine(tmp.Path, "s1");
        AssertResumesBitForBit(StackGan(4, stage: "1"), data, data, stage1Root, 2);
        Assert.All(Metrics(System.IO.Path.Combine(stage1Root, "full")), l => Assert.True(l.ContainsKey("loss_d") && !l.ContainsKey("loss_d2")));
        // --stage 2 --stage1-from: a resume takes Stage-I from its own checkpoint and continues Stage-II bit for bit.
        var o = StackGan(4, stage: "2");
        o.Set("text-encoder", "");
        o.Set("stage1-from", System.IO.Path.Combine(stage1Root, "full"));
        string stage2Root = System.IO.Path.Combine(tmp.Path, "s2");
        AssertResumesBitForBit(o, data, data, stage2Root, 2);
        var lines = Metrics(System.IO.Path.Combine(stage2Root, "full"));
        Assert.Equal(4, lines.Count);
        Assert.All(lines, l => Assert.True(l.ContainsKey("loss_d2") && !l.ContainsKey("loss_d")));
    }

    [Fact]
    public void DataWithoutCaptionsIsRefusedInOneLineBeforeAnythingIsCreated()
    {
        using var data = TestUtil.TinyImages(32);
        using var tmp = new TestUtil.TempDir();
        foreach (var (o, model) in new[] { (GanCls(2), "gan-cls"), (StackGan(2), "stackgan"), (EncoderOptions(2), "text-encoder") })
        {
            var e = Assert.Throws<ArgumentException>(() => TrainingRun.Create(o, data, tmp.Path, model));
            Assert.StartsWith($"the {model} model needs '{(model == "text-encoder" ? "captions" : "text")}' in each example, but 'tiny' provides 'image', 'label'", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.False(Directory.Exists(System.IO.Path.Combine(tmp.Path, model)));
        }
    }

    [Fact]
    public void OptionsTheFamiliesCannotHonourAreOneLineEach()
    {
        var shape = new long[] { 3, 16, 16 };
        var family = GanFamilies.Get(GanClsFamily.ModelName);
        var noEncoder = GanCls(2);
        noEncoder.Set("text-encoder", "");
        Assert.Contains("needs a pretrained text encoder: run 'gansharp train text-encoder", Assert.Throws<ArgumentException>(() => family.ResolveArch(noEncoder, shape)).Message);
        var hinge = GanCls(2);
        hinge.Loss = GanSharp.Losses.LossKind.Hinge;
        Assert.StartsWith("--loss hinge is not available for gan-cls", Assert.Throws<ArgumentException>(() => family.ResolveArch(hinge, shape)).Message);
        var missing = GanCls(2);
        missing.Set("text-encoder", System.IO.Path.Combine(encoder.Root, "no-such-run"));
        Assert.Contains("is neither a run directory nor a checkpoint file", Assert.Throws<ArgumentException>(() => family.AdaptData(null!, missing, null)).Message);
        var stage2 = StackGan(2, stage: "2");
        Assert.StartsWith("--stage 2 refines a trained Stage-I: pass --stage1-from RUN", Assert.Throws<ArgumentException>(() => GanFamilies.Get(StackGanFamily.ModelName).ResolveArch(stage2, new long[] { 3, 32, 32 })).Message);
        Assert.Contains("needs square images whose side (Stage-II's) is a power of two from 32", Assert.Throws<ArgumentException>(() => GanFamilies.Get(StackGanFamily.ModelName).ResolveArch(StackGan(2), new long[] { 3, 16, 16 })).Message);
    }

    [Fact]
    public void AnEncoderOfAnotherVocabularyIsRefused()
    {
        // The MNIST caption vocabulary is not the shapes one: the encoder cannot read these captions.
        var other = new Vocabulary(["a", "seven"], 24);
        var e = Assert.Throws<DataException>(() => PretrainedTextEncoder.CheckSame(other, CaptionedShapes.Vocabulary, "runs/te", "shapes"));
        Assert.StartsWith("the text encoder runs/te was trained on another vocabulary (4 words) than 'shapes' has", e.Message);
    }

    [Fact]
    public void ProgressGridsDrawFixedHeldOutCaptionsHalfOfThemUnseenCombinations()
    {
        using var cache = new TestUtil.TempDir();
        using var heldOut = TextToImageData.HeldOut(GanCls(2), null, cacheRoot: cache.Path)!;
        Assert.Equal(TextToImageData.GridRows, heldOut.Count);
        var attributes = heldOut.ExtraFields[CaptionFields.Attributes];
        bool Unseen(long row)
        {
            var a = attributes[row].data<long>().ToArray();
            return Enumerable.Range(0, (int)a[CaptionedShapes.ObjectCountIndex])
                .Any(s => CaptionedShapes.IsHeldOut((int)a[CaptionedShapes.IndexOf(s, 0)], (int)a[CaptionedShapes.IndexOf(s, 1)]));
        }
        for (long r = 0; r < 4; r++) Assert.False(Unseen(r), $"grid row {r} should be a seen combination");
        for (long r = 4; r < 8; r++) Assert.True(Unseen(r), $"grid row {r} should show a held-out combination");

        // A run writes the grid's captions beside its samples, and the grid conditions on them.
        using var data = Shapes(32, 16);
        using var tmp = new TestUtil.TempDir();
        using var run = TrainingRun.Create(GanCls(1), data, tmp.Path, "r", heldOut: heldOut);
        var rows = File.ReadAllLines(System.IO.Path.Combine(tmp.Path, "r", "samples", "rows.txt"));
        Assert.Equal(8, rows.Length);
        var text = heldOut.ExtraFields[BatchFields.Text];
        Assert.Equal($"row 5: {CaptionedShapes.Vocabulary.Decode(text[4].data<long>().ToArray())}", rows[4]);
        using var grid = run.System.GridCondition(16)!;
        Assert.True(grid[2].equal(text[1]).all().item<bool>());        // 2 columns per caption row
        Assert.Equal(2, run.System.GridColumns(16));
    }

    [Fact]
    public void WrongCaptionsOfABatchAlwaysDescribeImagesWithOtherAttributes()
    {
        using var data = Shapes(200, 16, seed: 4);
        var sampler = WrongTextSampler.For(data);
        var captions = data.ExtraFields[CaptionFields.Captions];
        var attributes = data.ExtraFields[CaptionFields.Attributes];
        // Which images have each caption (a caption may be shared by images with equal attributes).
        var owners = new Dictionary<string, List<long>>();
        for (long i = 0; i < data.Count; i++)
            for (long k = 0; k < captions.shape[1]; k++)
            {
                string key = string.Join(',', captions[i, k].data<long>().ToArray());
                if (!owners.TryGetValue(key, out var list)) owners[key] = list = [];
                list.Add(i);
            }
        using var g = new Generator(11);
        for (int round = 0; round < 20; round++)
        {
            using var scope = NewDisposeScope();
            var idx = randperm(data.Count, generator: g).narrow(0, 0, 16);
            var (wrong, _) = sampler.SampleCaptionsFor(attributes.index_select(0, idx), g);
            for (long b = 0; b < 16; b++)
            {
                var own = attributes[idx[b].item<long>()];
                foreach (var j in owners[string.Join(',', wrong[b].data<long>().ToArray())])
                    Assert.False(attributes[j].equal(own).all().item<bool>(), $"round {round}: the wrong caption of image {idx[b].item<long>()} describes image {j} with the same attributes");
            }
        }
    }

    [Fact]
    public void HardWrongCaptionsDifferInExactlyOneAttributeAndAShareOfZeroDrawsTheUsualOnes()
    {
        using var data = Shapes(3000, 16, seed: 4);
        var sampler = WrongTextSampler.For(data);
        var hard = HardNegativeSampler.For(data);
        var captions = data.ExtraFields[CaptionFields.Captions];
        var attributes = data.ExtraFields[CaptionFields.Attributes];
        var rows = attributes.data<long>().ToArray();
        int a = (int)attributes.shape[1];
        var owners = new Dictionary<string, List<int>>();
        for (int i = 0; i < data.Count; i++)
            for (long k = 0; k < captions.shape[1]; k++)
            {
                string key = string.Join(',', captions[i, k].data<long>().ToArray());
                if (!owners.TryGetValue(key, out var list)) owners[key] = list = [];
                list.Add(i);
            }
        var idx = arange(0, 200);
        var batch = attributes.index_select(0, idx);
        using (var g1 = new Generator(5))
        using (var g2 = new Generator(5))
            Assert.True(sampler.SampleCaptionsFor(batch, g1).Text.equal(sampler.SampleCaptionsFor(batch, g2, hard, 0).Text).all().item<bool>());
        using var g = new Generator(6);
        var (wrong, mask) = sampler.SampleCaptionsFor(batch, g, hard, 1.0);
        Assert.True(mask.equal(wrong.ne(0)).all().item<bool>());
        int oneAttribute = 0;
        for (int b = 0; b < 200; b++)
        {
            var own = rows.AsSpan(b * a, a).ToArray();
            var diffs = owners[string.Join(',', wrong[b].data<long>().ToArray())]
                .Select(j => own.Zip(rows.AsSpan(j * a, a).ToArray()).Count(p => p.First != p.Second)).ToList();
            Assert.All(diffs, d => Assert.True(d >= 1, $"image {b}: its wrong caption describes an image with the same attributes"));
            if (diffs.Contains(1)) oneAttribute++;
        }
        // With share 1, every image that has a one-attribute neighbour (most single-object scenes of 3,000) gets one.
        Assert.True(oneAttribute > 60, $"only {oneAttribute} of 200 wrong captions differ in one attribute");
    }
}
