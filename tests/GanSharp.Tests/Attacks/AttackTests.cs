using GanSharp.Attacks;
using GanSharp.Imaging;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Attacks;

public class AttackTests
{
    private const double Tol = 1e-5;

    /// <summary>A fixed linear model on 1×4×4 images (16 → 3) with weights drawn from a fixed seed.</summary>
    private static SoftmaxRegression Linear()
    {
        set_num_threads(1);
        var m = new SoftmaxRegression(16, 3);
        using var noGrad = no_grad();
        using var g = new Generator(11);
        m.Layer.weight!.copy_(randn(3, 16, generator: g));
        m.Layer.bias!.copy_(tensor(new float[] { 0.1f, -0.2f, 0.3f }));
        m.eval();
        return m;
    }

    /// <summary>Images inside [0.3, 0.7] (so ε ≤ 0.3 never clips) and labels.</summary>
    private static (Tensor X, Tensor Y) Interior(int n = 12)
    {
        using var g = new Generator(3);
        return (rand(n, 1, 4, 4, generator: g).mul(0.4).add(0.3), randint(0, 3, [n], generator: g));
    }

    private static double Loss(SoftmaxRegression m, Tensor x, Tensor y) => AttackMath.Loss(m.call, x, y);

    private static Tensor L2(Tensor d) => d.flatten(1).pow(2).sum(1).sqrt();
    private static Tensor Linf(Tensor d) => d.flatten(1).abs().amax(1);

    [Fact]
    public void FgsmLinfMovesEveryUnclippedPixelByExactlyEpsAndRaisesTheLoss()
    {
        using var m = Linear();
        using var scope = NewDisposeScope();
        // Half the pixels sit on the boundary, so some steps get clipped.
        using var g = new Generator(4);
        var x = rand(12, 1, 4, 4, generator: g).round().mul(0.5).add(rand(12, 1, 4, 4, generator: g).mul(0.5)).clamp(0, 1);
        x = where(rand(12, 1, 4, 4, generator: g).lt(0.3), x.round(), x);
        var y = randint(0, 3, [12], generator: g);
        const double eps = 0.1;
        var adv = Fgsm.Attack(m.call, x, y, eps, AttackNorm.Linf);
        var d = adv.sub(x);
        Assert.True(Linf(d).max().item<float>() <= eps + Tol);
        Assert.True(adv.min().item<float>() >= 0 && adv.max().item<float>() <= 1);
        var unclipped = adv.gt(1e-6).logical_and(adv.lt(1 - 1e-6));
        Assert.True(unclipped.sum().item<long>() > 100);
        Assert.True(d.abs().masked_select(unclipped).sub(eps).abs().max().item<float>() < Tol);
        Assert.True(x.eq(0).logical_or(x.eq(1)).sum().item<long>() > 0);    // the clipping case was exercised
        Assert.True(Loss(m, adv, y) > Loss(m, x, y) + 0.1);
    }

    [Fact]
    public void FgsmL2HasNormEpsBeforeClippingAndRaisesTheLoss()
    {
        using var m = Linear();
        using var scope = NewDisposeScope();
        var (x, y) = Interior();
        const double eps = 0.25;   // ‖δ‖∞ ≤ ‖δ‖₂ = 0.25 < 0.3: no pixel leaves [0, 1]
        var adv = Fgsm.Attack(m.call, x, y, eps, AttackNorm.L2);
        Assert.True(L2(adv.sub(x)).sub(eps).abs().max().item<float>() < Tol);
        Assert.True(Loss(m, adv, y) > Loss(m, x, y));
        // Near the boundary clipping can only shorten it.
        var edge = x.sub(0.3).div(0.4).round();
        var advEdge = Fgsm.Attack(m.call, edge, y, 2.0, AttackNorm.L2);
        Assert.True(L2(advEdge.sub(edge)).max().item<float>() <= 2.0 + Tol);
        Assert.True(advEdge.min().item<float>() >= 0 && advEdge.max().item<float>() <= 1);
    }

    [Theory]
    [InlineData(AttackNorm.Linf, 0.1, false)]
    [InlineData(AttackNorm.Linf, 0.3, true)]
    [InlineData(AttackNorm.L2, 0.5, false)]
    [InlineData(AttackNorm.L2, 1.5, true)]
    public void PgdStaysInTheBallAndTheBoxAndBeatsFgsmOnALinearModel(AttackNorm norm, double eps, bool randomStart)
    {
        using var m = Linear();
        using var scope = NewDisposeScope();
        using var g = new Generator(8);
        var x = rand(16, 1, 4, 4, generator: g);
        x = where(rand(16, 1, 4, 4, generator: g).lt(0.25), x.round(), x);  // some pixels on the boundary
        var y = randint(0, 3, [16], generator: g);
        var pgd = Pgd.Attack(m.call, x, y, eps, norm, new PgdOptions { Steps = 20, RandomStart = randomStart, Seed = 2 });
        var fgsm = Fgsm.Attack(m.call, x, y, eps, norm);
        var d = pgd.sub(x);
        double size = (norm == AttackNorm.Linf ? Linf(d) : L2(d)).max().item<float>();
        Assert.True(size <= eps + Tol, $"perturbation {size} outside the ε = {eps} ball");
        Assert.True(pgd.min().item<float>() >= 0 && pgd.max().item<float>() <= 1);
        double clean = Loss(m, x, y), lf = Loss(m, fgsm, y), lp = Loss(m, pgd, y);
        Assert.True(lp > clean);
        Assert.True(lp >= lf - 1e-3, $"PGD loss {lp} below FGSM loss {lf}");
    }

    [Fact]
    public void AttacksLeaveTheModelUntouched()
    {
        using var m = Linear();
        using var scope = NewDisposeScope();
        var before = m.parameters().Select(p => p.detach().clone()).ToArray();
        var (x, y) = Interior();
        Fgsm.Attack(m.call, x, y, 0.1, AttackNorm.Linf);
        Pgd.Attack(m.call, x, y, 1.0, AttackNorm.L2, new PgdOptions { Steps = 3, RandomStart = true });
        var after = m.parameters().ToArray();
        for (int i = 0; i < before.Length; i++)
        {
            Assert.True(before[i].allclose(after[i], 0, 0));
            Assert.Null(after[i].grad);
        }
        Assert.False(x.requires_grad);
    }

    [Fact]
    public void AdversarialTrainingTrainsItsOwnCopyAndNeverTheOriginal()
    {
        using var original = Linear();
        using var scope = NewDisposeScope();
        var before = original.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        using var g = new Generator(9);
        var x = rand(64, 1, 4, 4, generator: g);
        var y = randint(0, 3, [64], generator: g);
        var o = new AdversarialTrainOptions { Epochs = 3, Batch = 16, Lr = 0.05, Alpha = 0.5, Eps = 0.25, Seed = 1 };
        using var copy = AdversarialTraining.Train(() => new SoftmaxRegression(16, 3), (net, b) => net.call(b), x, y, o, initFrom: original);
        Assert.NotSame(original, copy);
        foreach (var (name, t) in original.state_dict())
            Assert.True(t.allclose(before[name], 0, 0), $"original's {name} changed");
        Assert.All(original.parameters(), p => Assert.Null(p.grad));
        Assert.False(copy.Layer.weight!.allclose(original.Layer.weight!, 0, 0));   // the copy did train
        // And the copy started from the original: one step at a tiny learning rate stays close to it.
        using var near = AdversarialTraining.Train(() => new SoftmaxRegression(16, 3), (net, b) => net.call(b), x, y,
            o with { Epochs = 1, Batch = 64, Lr = 1e-6 }, initFrom: original);
        Assert.True(near.Layer.weight!.allclose(original.Layer.weight!, 0, 1e-4));
    }

    [Fact]
    public void EvaluationTableStartsWithTheCleanErrorAndMeasuresNorms()
    {
        using var m = Linear();
        using var scope = NewDisposeScope();
        var (x, y) = Interior(30);
        var rows = AttackEvaluation.Run(m.call, x, y, AttackMethod.Fgsm, AttackNorm.Linf, [0.05, 0.2], batch: 7);
        Assert.Equal(3, rows.Count);
        Assert.Equal(0, rows[0].Eps);
        Assert.Equal(AttackEvaluation.Errors(m.call, x, y), rows[0].Errors);
        Assert.All(rows, r => Assert.Equal(30, r.Count));
        Assert.Equal(0.2, rows[2].MeanLinf, 4);
        Assert.True(rows[2].Errors >= rows[0].Errors);
        Assert.Equal(0.05 * 4, rows[1].MeanL2, 3);   // 16 pixels, none clipped, each moved by ε: √16·ε
    }

    [Fact]
    public void UnitPixelAdapterMatchesTheMinusOneToOneNetwork()
    {
        using var m = Linear();
        using var scope = NewDisposeScope();
        var (x, _) = Interior();
        var f = AttackModels.OnUnitPixels(m);
        Assert.True(f(x).allclose(m.call(x.mul(2).sub(1)), 0, 1e-6));
        var bytes = tensor(new byte[] { 0, 51, 255 });
        Assert.True(AttackModels.UnitPixels(bytes).allclose(tensor(new float[] { 0, 0.2f, 1 }), 0, 1e-7));
    }

    [Fact]
    public void ExamplesFigureIsWritten()
    {
        using var tmp = new TestUtil.TempDir();
        using var scope = NewDisposeScope();
        var x = rand(3, 1, 28, 28);
        var adv = x.add(0.1).clamp(0, 1);
        string path = Path.Combine(tmp.Path, "examples.png");
        AdversarialExamplesImage.Save(path, x, adv, [new(1, 1, 0.9f, 2, 0.6f), new(3, 3, 0.8f, 3, 0.7f), new(4, 5, 0.5f, 5, 0.9f)], "test");
        var (_, w, h, c) = ImageFile.Load(path);
        Assert.Equal(3, c);
        Assert.True(w > 3 * 84 && h > 3 * 84);
    }
}
