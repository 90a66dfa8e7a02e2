using GanSharp.Data;
using GanSharp.Families.Progressive;
using GanSharp.Metrics;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.Progressive;

public sealed class CascadeFamilyTests
{
    private static GanOptions Options(bool adversarial = false, int outputs = 3, int steps = 5)
    {
        var o = new GanOptions
        {
            Model = CascadeFamily.ModelName, Data = "fashion-mnist", Steps = steps, Batch = 4, WidthG = 4, WidthD = 4,
            Threads = 1, LogEvery = 1, SampleEvery = 1000, CheckpointEvery = 1000, SampleCount = 10, Seed = 6, LrG = 1e-3,
        };
        o.Set("outputs", outputs);
        o.Set("adversarial", adversarial);
        return o;
    }

    /// <summary>Tiny labelled 28×28 images padded to 32×32, as the family's data adapter hands fashion-mnist over.</summary>
    private static TensorDataset Digits(int count = 12)
    {
        using var raw = TestUtil.TinyImages(count);
        return DigitPadding.Pad(raw);
    }

    private static CascadeSystem Create(GanOptions o, TensorDataset data) => (CascadeSystem)GanFamilies.Create(o, data.ExampleShape, data.NumClasses);

    /// <summary>Hand-checkable "classifier" layers: the image mean, and 2×2 average pooling.</summary>
    private sealed class PoolLayers() : FeatureLayers("pool")
    {
        public override string ClassifierName => "pool";
        public override long[] InputShape => [1, 28, 28];
        public override IReadOnlyList<Tensor> Layers(Tensor images) =>
            new[] { images.mean(new long[] { 1, 2, 3 }, keepdim: true), nn.functional.avg_pool2d(images, 2) };
    }

    [Fact]
    public void TheCrnLossIsPixelPlusLayerL1MeansAndTheBestOfKImagesCounts()
    {
        using var data = Digits();
        set_num_threads(1);
        var o = Options();
        using var system = new CascadeSystem(o, new long[] { 1, 32, 32 }, 10, new PoolLayers());
        using var scope = NewDisposeScope();
        var real = full(new long[] { 1, 1, 32, 32 }, 0.5f);
        var outputs = stack(new[] { full(new long[] { 1, 32, 32 }, 0.5f), full(new long[] { 1, 32, 32 }, 0.0f), full(new long[] { 1, 32, 32 }, -1f) }).unsqueeze(0); // 1 × 3 × C × S × S
        var loss = system.FeatureLoss(real, outputs);                                         // 1 × 3
        // Constant images: pixels |a − b|, the mean layer |a − b|, the pooled layer |a − b| (each a mean): 3|a − b|.
        Assert.Equal(new[] { 0f, 1.5f, 4.5f }, loss.data<float>().ToArray());
        // The classifier reads the 28×28 centre of padded digits: a difference in the border counts only in pixels.
        var bordered = real.clone();
        bordered[.., .., 0, ..] = tensor(-1f);
        var b = system.FeatureLoss(bordered, outputs.narrow(1, 0, 1)).item<float>();
        Assert.Equal(1.5f * 32 / 1024, b, 5);
    }

    [Fact]
    public void TheGLossIsTheMinimumOverTheKImagesAveragedOverTheBatch()
    {
        using var data = Digits();
        set_num_threads(1);
        using var system = new CascadeSystem(Options(), data.ExampleShape, 10, new PoolLayers());
        using var scope = NewDisposeScope();
        var idx = arange(4);
        var batch = new Batch(data.Gather(idx), data.GatherLabels(idx));
        var r = system.GeneratorLoss(batch, new Generator(1));
        var per = system.FeatureLoss(batch.Real, system.G.call(batch.Labels!));
        Assert.Equal(per.min(1).values.mean().item<float>(), r.Loss.item<float>(), 6);
        Assert.Equal(r.Loss.item<float>(), r.Logged["loss_crn"].item<float>());
    }

    [Fact]
    public void ASampleIsImageUOfItsLabelsKImagesAndGDependsOnTheLabelAlone()
    {
        using var data = Digits();
        set_num_threads(1);
        using var system = Create(Options(), data);
        Assert.Equal("fashion-cnn", system.Classifier.ClassifierName);
        system.G.eval();
        using var scope = NewDisposeScope();
        var labels = tensor(new long[] { 3, 1, 3, 7 });
        var u = tensor(new long[] { 0, 2, 1, 2 }).view(4, 1);
        var all = system.G.call(labels);                                                      // 4 × 3 × 1 × 32 × 32
        var samples = system.Generate(u, labels);
        for (int i = 0; i < 4; i++)
            Assert.True(samples[i].equal(all[i, u[i, 0].item<long>()]).all().item<bool>(), $"sample {i}");
        Assert.True(all[0].equal(all[2]).all().item<bool>());                                   // the same label: the same k images
        Assert.False(all[0, 0].equal(all[0, 1]).all().item<bool>());                            // k different images
    }

    [Fact]
    public void WithoutAnAdversaryThereIsOneGroupAndTheClassifierStaysFrozen()
    {
        using var data = Digits();
        set_num_threads(1);
        using var system = Create(Options(), data);
        using var trainer = new Trainer(system, data);
        Assert.Equal(new[] { "G" }, trainer.Optimizers.Keys);
        Assert.False(system.HasNetwork("D"));
        var phi = system.Classifier.parameters().Select(p => p.detach().clone()).ToList();
        var g = system.G.parameters().First().detach().clone();
        var s = trainer.TrainStep();
        Assert.Equal(new[] { "loss_g", "loss_crn" }, s.Values.Where(kv => kv.Key.StartsWith("loss_")).Select(kv => kv.Key));
        Assert.False(system.Classifier.training);
        Assert.All(system.Classifier.parameters().Zip(phi), p => Assert.True(p.First.equal(p.Second).all().item<bool>()));
        Assert.False(g.equal(system.G.parameters().First()).all().item<bool>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ResumedRunEqualsUninterruptedRunBitForBit(bool adversarial)
    {
        using var data = Digits();
        var keys = TestUtil.AssertResumeEqualsUninterrupted(() => Options(adversarial), data, stopAt: 2, adversarial ? "adversarial" : "crn");
        Assert.Equal(adversarial, keys.Contains("optD.exp_avg.body.0.weight"));
    }

    [Fact]
    public void DataWithoutLabelsOrWithoutAClassifierIsRefusedInOneLine()
    {
        using var data = Digits();
        var noLabels = Assert.Throws<ArgumentException>(() => GanFamilies.Create(Options(), data.ExampleShape, 0));
        Assert.Contains("conditioned on class labels", noLabels.Message);
        var o = Options();
        o.Data = "some-folder";
        var noClassifier = Assert.Throws<ArgumentException>(() => GanFamilies.Create(o, data.ExampleShape, 10));
        Assert.Contains("has none: use --data mnist or --data fashion-mnist", noClassifier.Message);
    }

    [Fact]
    public void IntraClassFidIsTheMeanOfPerClassFids()
    {
        // Features = the image mean (1-D); two classes of constant images, real class c at level c, generated
        // class c at level c + shift: FID per class is shift² (equal variances), and the mean over classes.
        using var data = Digits();
        set_num_threads(1);
        using var system = new CascadeSystem(Options(outputs: 1), data.ExampleShape, 10, new PoolLayers());
        var real = new TensorDataset("levels", cat(new[] { full(new long[] { 6, 1, 28, 28 }, 64, dtype: ScalarType.Byte), full(new long[] { 6, 1, 28, 28 }, 192, dtype: ScalarType.Byte) }),
            cat(new[] { zeros(6, dtype: ScalarType.Int64), ones(6, dtype: ScalarType.Int64) }), 10);
        using var ctx = new EvalContext(system, "levels", real, () => new MeanNet(), new EvalSettings { Samples = 100, CacheDir = null }) { OwnsReference = true };
        var report = Evaluator.Run(ctx, MetricRegistry.Parse("cfid"));
        var v = report.Results[0].Result.Values;
        var gen = ctx.GeneratedFeatures(100).Features;
        var cond = ctx.GeneratedConditions(100)!;
        var realF = ctx.RealFeatures().Features;
        double expected = 0;
        int classes = 0;
        for (int c = 0; c < 10; c++)
        {
            var g = gen[cond.eq(c)];
            var r = realF[real.Labels!.eq(c)];
            if (g.shape[0] < 2 || r.shape[0] < 2) { Assert.True(double.IsNaN(v[$"class_{c}"])); continue; }
            var fid = Fid.Compute(g, r);
            Assert.Equal(fid, v[$"class_{c}"], 6);
            expected += fid;
            classes++;
        }
        Assert.Equal(2, classes);
        Assert.Equal(expected / 2, v["cfid"], 6);
        using var uncond = GanFamilies.Create(TestUtil.TinyDcgan(), TestUtil.TinyImages(4).ExampleShape, 10);
        using var ctx2 = new EvalContext(uncond, "tiny", null, () => new MeanNet(), new EvalSettings { Samples = 4, CacheDir = null });
        Assert.Contains("class-conditional", Assert.Throws<ArgumentException>(() => Evaluator.Run(ctx2, MetricRegistry.Parse("cfid"))).Message);
    }

    /// <summary>A 1-D "feature network": the image mean (the 28×28 images the metric sees after the crop).</summary>
    private sealed class MeanNet : IFeatureNetwork
    {
        public string Name => "mean";
        public string Hash => new('m', 64);
        public long[] InputShape => new long[] { 1, 28, 28 };
        public int FeatureDim => 1;
        public int NumClasses => 0;

        public (Tensor Features, Tensor? Logits) Forward(Tensor images)
        {
            FeatureNetworks.CheckImages(images, InputShape, Name);
            return (images.mean(new long[] { 1, 2, 3 }).unsqueeze(1), null);
        }

        public void Dispose() { }
    }
}
