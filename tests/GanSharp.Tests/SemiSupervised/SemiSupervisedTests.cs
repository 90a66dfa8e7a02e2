using GanSharp.Data;
using GanSharp.Losses;
using GanSharp.SemiSupervised;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.SemiSupervised;

public class SemiSupervisedLossTests
{
    private static double Softplus(double x) => Math.Log(1 + Math.Exp(x));

    [Fact]
    public void UnsupervisedLossMatchesHandComputedValue()
    {
        // Real logits [0, ln 3] → Z = 1 + 3 = 4: −log(4/5). Real [ln 2, ln 2] → Z = 4: −log(4/5) again.
        // Fake [0, 0] → Z = 2: −log(1/3). Fake [ln 0.5, ln 0.5] → Z = 1: −log(1/2).
        using var real = tensor(new float[] { 0, (float)Math.Log(3), (float)Math.Log(2), (float)Math.Log(2) }).view(2, 2);
        using var fake = tensor(new float[] { 0, 0, (float)Math.Log(0.5), (float)Math.Log(0.5) }).view(2, 2);
        double expected = -Math.Log(4.0 / 5) + (-Math.Log(1.0 / 3) - Math.Log(1.0 / 2)) / 2;
        Assert.Equal(expected, SemiSupervisedLoss.Unsupervised(real, fake).item<float>(), 5);
    }

    [Fact]
    public void UnsupervisedLossIsStableForLargeLogits()
    {
        using var real = tensor(new float[] { 500, 400, -500, -600 }).view(2, 2);
        using var fake = tensor(new float[] { -500, -400, 300, 0 }).view(2, 2);
        // Z(real₁) huge → 0; Z(real₂) = e^-500 → ≈ 500; fake₁ → 0; fake₂ ≈ 300.
        Assert.Equal((0 + 500) / 2.0 + (0 + 300) / 2.0, SemiSupervisedLoss.Unsupervised(real, fake).item<float>(), 2);
    }

    [Fact]
    public void SupervisedLossIsCrossEntropyOverTheRealClasses()
    {
        using var logits = tensor(new float[] { 1, 2, 3, 0, 0, 0 }).view(2, 3);
        using var y = tensor(new long[] { 2, 0 });
        double l1 = -(3 - Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)));
        double l2 = Math.Log(3);
        Assert.Equal((l1 + l2) / 2, SemiSupervisedLoss.Supervised(logits, y).item<float>(), 5);
    }

    [Fact]
    public void RealLogitIsLogSumExpSoDxIsZOverZPlusOne()
    {
        using var l = tensor(new float[] { 0, (float)Math.Log(3) }).view(1, 2);
        Assert.Equal(0.8, sigmoid(SemiSupervisedLoss.RealLogit(l)).item<float>(), 5);
        Assert.Equal(Softplus(-Math.Log(4)), nn.functional.softplus(-SemiSupervisedLoss.RealLogit(l)).item<float>(), 5);
    }

    [Fact]
    public void FeatureMatchingIsMeanSquaredDistanceOfBatchMeans()
    {
        using var real = tensor(new float[] { 1, 2, 3, 4 }).view(2, 2); // mean (2, 3)
        using var fake = tensor(new float[] { 0, 0, 2, 2 }, requires_grad: true);
        using var loss = SemiSupervisedLoss.FeatureMatching(real, fake.view(2, 2)); // fake mean (1, 1)
        Assert.Equal((1 + 4) / 2.0, loss.item<float>(), 5);
        loss.backward();
        // d/dfake_ij of ((m_r − m_f)²)/2 summed: −(m_r,j − m_f,j)/2 for each of the 2 rows: j=0 → −0.5, j=1 → −1.
        Assert.Equal(new float[] { -0.5f, -1f, -0.5f, -1f }, fake.grad!.data<float>().ToArray());
    }

    [Fact]
    public void LabelledBatchesArePermutationsOfTheLabelledSetTiled()
    {
        using var g = new Generator(5);
        using var one = LabelledSplit.BatchPositions(10, 10, g, CPU);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), one.data<long>().OrderBy(v => v));
        using var tiled = LabelledSplit.BatchPositions(4, 10, g, CPU); // two full permutations, then half of a third
        long[] t = tiled.data<long>().ToArray();
        Assert.Equal(10, t.Length);
        Assert.Equal(new long[] { 0, 1, 2, 3 }, t[..4].OrderBy(v => v));
        Assert.Equal(new long[] { 0, 1, 2, 3 }, t[4..8].OrderBy(v => v));
        Assert.Equal(2, t[8..].Distinct().Count());
        using var part = LabelledSplit.BatchPositions(200, 100, g, CPU); // no repeats within a batch
        Assert.Equal(100, part.data<long>().Distinct().Count());
    }
}

public class WeightNormTests
{
    [Fact]
    public void WeightNormLinearIsGTimesVOverNormVPlusB()
    {
        manual_seed(1);
        using var layer = new WeightNormLinear(3, 2);
        using (no_grad())
        {
            layer.V.copy_(tensor(new float[] { 3, 4, 0, 0, 0, 2 }).view(2, 3)); // ‖v₁‖ = 5, ‖v₂‖ = 2
            layer.G.copy_(tensor(new float[] { 10, -1 }));
            layer.B.copy_(tensor(new float[] { 0.5f, 1 }));
        }
        using var x = tensor(new float[] { 1, 1, 1 }).view(1, 3);
        using var y = layer.call(x);
        // row 1: 10·(3+4)/5 + 0.5 = 14.5; row 2: −1·2/2 + 1 = 0
        Assert.Equal(14.5, y[0, 0].item<float>(), 4);
        Assert.Equal(0.0, y[0, 1].item<float>(), 4);
        var names = layer.named_parameters().Select(p => p.name).Order().ToArray();
        Assert.Equal(new[] { "bias", "weight_g", "weight_v" }, names);
    }

    [Fact]
    public void DataDependentInitSetsScaleAndBiasFromTheBatchStatistics()
    {
        manual_seed(1);
        using var layer = new WeightNormLinear(2, 1, trainScale: false);
        using (no_grad()) layer.V.copy_(tensor(new float[] { 3, 4 }).view(1, 2)); // direction (0.6, 0.8)
        using var x = tensor(new float[] { 1, 0, 0, 1 }).view(2, 2);             // a = (0.6, 0.8): m 0.7, s 0.1
        using var normalized = layer.InitializeFromData(x);
        Assert.Equal(10, layer.G.item<float>(), 3);                                // g = 1/s
        Assert.Equal(-7, layer.B.item<float>(), 3);                                // b = −m/s
        Assert.Equal(new[] { -1f, 1f }, normalized.data<float>().Select(v => MathF.Round(v, 4)));
        using var y = layer.call(x);
        Assert.Equal(new[] { -1f, 1f }, y.data<float>().Select(v => MathF.Round(v, 4)));
        Assert.False(layer.G.requires_grad);                                      // still not trained
    }

    [Fact]
    public void MlpDInitGivesLogitsOfMeanZeroAndStdOneOnItsBatchWithTheSameNoise()
    {
        manual_seed(2);
        using var d = new MlpClassifierD(784, 10);
        using var x = rand(64, 1, 28, 28).mul(2).sub(1);
        using (var g = new Generator(9)) { d.Noise = g; d.InitializeFromData(x); }
        d.train();
        using var g2 = new Generator(9); // the same noise draws, in the same order, as the initialization's
        d.Noise = g2;
        using var logits = d.call(x);
        using var mean = logits.mean(new long[] { 0 });
        using var std = logits.std(0, unbiased: false);
        Assert.All(mean.data<float>().ToArray(), m => Assert.InRange(m, -1e-4f, 1e-4f));
        Assert.All(std.data<float>().ToArray(), s => Assert.InRange(s, 1 - 1e-3f, 1 + 1e-3f));
        d.Noise = null;
    }

    [Fact]
    public void WeightNormLayerOutputDoesNotDependOnTheScaleOfV()
    {
        manual_seed(2);
        using var layer = new WeightNormLinear(4, 3);
        using var x = randn(5, 4);
        using var a = layer.call(x);
        using (no_grad()) layer.V.mul_(7);
        using var b = layer.call(x);
        Assert.True(a.allclose(b, 1e-5, 1e-5));
    }
}

public class LabelledSplitTests
{
    private static Tensor Labels(int n = 1000, long seed = 3)
    {
        using var g = new Generator((ulong)seed);
        return randint(0, 10, new long[] { n }, generator: g);
    }

    [Fact]
    public void BalancedSplitHasNOver10PerClassAndIsDeterministicBySeed()
    {
        using var y = Labels();
        long[] a = LabelledSplit.Balanced(y, 50, 10, seed: 1);
        long[] b = LabelledSplit.Balanced(y, 50, 10, seed: 1);
        long[] c = LabelledSplit.Balanced(y, 50, 10, seed: 2);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(50, a.Distinct().Count());
        long[] ya = y.data<long>().ToArray();
        foreach (var grp in a.GroupBy(i => ya[i])) Assert.Equal(5, grp.Count());
        Assert.Equal(10, a.Select(i => ya[i]).Distinct().Count());
    }

    [Fact]
    public void UnlabelledIsTheDisjointRest()
    {
        using var y = Labels();
        long[] lab = LabelledSplit.Balanced(y, 20, 10, seed: 4);
        long[] rest = LabelledSplit.Unlabelled(1000, lab);
        Assert.Equal(980, rest.Length);
        Assert.Empty(rest.Intersect(lab));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), rest.Concat(lab).Order());
    }

    [Fact]
    public void UnbalanceableRequestsAreRefusedWithAClearMessage()
    {
        using var y = Labels(30);
        Assert.Contains("multiple", Assert.Throws<ArgumentException>(() => LabelledSplit.Balanced(y, 25, 10, 1)).Message);
        Assert.Contains("fewer than", Assert.Throws<ArgumentException>(() => LabelledSplit.Balanced(y, 100, 10, 1)).Message);
    }
}

public class SemiSupervisedTrainingTests
{
    private static GanOptions Tiny(string arch = "semisup-conv", string mode = "kplus1", int steps = 6) => new()
    {
        Model = "semisup", Arch = arch, Data = "tiny", Steps = steps, Batch = 16, ZDim = 8, WidthG = 4, WidthD = 4, Labels = 20,
        SemisupMode = mode, Threads = 1, LogEvery = 1, SampleEvery = 1000, CheckpointEvery = 1000, SampleCount = 4, Seed = 3,
        LrG = 3e-3, LrD = 3e-3,
    };

    /// <summary>40 random images (2 batches an epoch) with labels 0..9 four times each.</summary>
    private static TensorDataset Data()
    {
        using var tiny = TestUtil.TinyImages(count: 40);
        return new TensorDataset("tiny", tiny.Data.clone(), arange(40, dtype: ScalarType.Int64).remainder(10), 10);
    }

    [Fact]
    public void TheSystemUsesOnlyTheBalancedLabelledSubset()
    {
        using var data = Data();
        using var system = (SemiSupervisedSystem)GanFamilies.Create(Tiny(), data.ExampleShape, data.NumClasses);
        system.Attach(data);
        Assert.Equal(LabelledSplit.Balanced(data.Labels!, 20, 10, 3), system.LabelledIndices);
        using var g = new Generator(1);
        var (x, y) = system.LabelledBatch(64, g);
        long[] allowed = system.LabelledIndices!.Select(i => data.Labels![i].item<long>()).ToArray();
        Assert.All(y.data<long>().ToArray(), v => Assert.Contains(v, allowed));
        Assert.Equal(new long[] { 64, 1, 28, 28 }, x.shape);
    }

    [Fact]
    public void BothOptimizersUseTheAuthorsAdamEpsilon()
    {
        using var data = Data();
        using var system = (SemiSupervisedSystem)GanFamilies.Create(Tiny(), data.ExampleShape, data.NumClasses);
        Assert.All(system.OptimizerGroups(), g => Assert.Equal(1e-4, g.Eps));
        Assert.Equal(2, system.OptimizerGroups().Count);
    }

    [Fact]
    public void EmaAveragesTheClassifierDInKplus1ModeAndGInFeaturesMode()
    {
        using var data = Data();
        var o = Tiny("semisup-mlp");
        o.Ema = 0.5;
        using var system = (SemiSupervisedSystem)GanFamilies.Create(o, data.ExampleShape, data.NumClasses);
        Assert.Equal("D", system.EmaNetwork);
        set_num_threads(1);
        using var trainer = new Trainer(system, data);
        var before = system.D.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        trainer.TrainStep();
        var shadow = system.Ema!.State().ToDictionary(e => e.Name, e => e.Value);
        foreach (var (k, live) in system.D.state_dict())
        {
            using var expected = before[k] * 0.5 + live * 0.5;                     // one update with decay 0.5
            Assert.True(shadow[k].allclose(expected, 1e-6, 1e-6), k);
        }
        Assert.False(shadow["hidden.0.weight_v"].allclose(system.D.state_dict()["hidden.0.weight_v"]));
        using var features = (SemiSupervisedSystem)GanFamilies.Create(Tiny("semisup-mlp", "dcgan-features"), data.ExampleShape, data.NumClasses);
        Assert.Equal("G", features.EmaNetwork);
    }

    [Theory]
    [InlineData("semisup-conv", "kplus1")]
    [InlineData("semisup-mlp", "dcgan-features")]
    public void ResumedRunEqualsUninterruptedRunBitForBit(string arch, string mode)
    {
        using var data = Data();
        TestUtil.AssertResumeEqualsUninterrupted(() => Tiny(arch, mode), data, stopAt: 3, $"{arch}/{mode}");
    }

    [Fact]
    public void EvaluationGivesErrorsInRangeForClassifierBaselineAndProbe()
    {
        using var data = Data();
        var o = Tiny();
        using var system = (SemiSupervisedSystem)GanFamilies.Create(o, data.ExampleShape, data.NumClasses);
        system.Attach(data);
        double e = SemiSupervisedEvaluation.TestError(system.Classifier, data);
        Assert.InRange(e, 0, 1);
        using var baseline = SemiSupervisedEvaluation.TrainBaseline(o, data, system.LabelledIndices!, 30);
        // The baseline memorizes its 20 labelled examples.
        using var sub = new TensorDataset("lab", data.Data.index_select(0, tensor(system.LabelledIndices!)), data.Labels!.index_select(0, tensor(system.LabelledIndices!)), 10);
        Assert.True(SemiSupervisedEvaluation.TestError(baseline, sub) < 0.5);
        Assert.InRange(SemiSupervisedEvaluation.LinearProbeError(system.Classifier, data, system.LabelledIndices!, data), 0, 1);
    }
}
