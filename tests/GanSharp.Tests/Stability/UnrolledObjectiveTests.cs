using GanSharp.Data;
using GanSharp.Families;
using GanSharp.Losses;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Stability;

/// <summary>
/// What second-order unrolling optimises (Metz et al. 2017): the value function at the unrolled discriminator,
/// f(θ_G, θ_D^k(θ_G)). The reference code minimises −L_D(θ_k) over G, real-data half included; that half depends
/// on θ_G through θ_k and is what pulls G onto modes it does not cover yet.
/// </summary>
public class UnrolledObjectiveTests
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(0.9)]
    public void WithTheMinimaxLossTheUnrolledLossIsMinusDsLossAfterKRealAdamSteps(double realLabel)
    {
        // Reference: k ordinary Adam steps of D (the Adam class D trains with) on the same batches and latents,
        // then −L_D on G's batch. In float64 the functional unrolling must give the same number.
        var saved = get_default_dtype();
        set_default_dtype(ScalarType.Float64);
        try
        {
            set_num_threads(1);
            var o = TestUtil.TinyMlp();
            o.WidthG = o.WidthD = 8;
            o.Unrolled = 3;
            o.LrD = 0.05;                       // D moves noticeably in 3 steps
            o.GLoss = GeneratorLossKind.Minimax;
            o.RealLabel = realLabel;
            using var system = GanFamilies.Create(o, new long[] { 2 }, 0);
            system.G.train(); system.D.train();
            manual_seed(11);
            var batches = Enumerable.Range(0, o.Unrolled + 1)
                .Select(_ => new Batch(randn(8, 2).DetachFromDisposeScope(), null)).ToList();
            var optD = new Adam(system.D.named_parameters(), o.LrD, o.BetasD[0], o.BetasD[1]);
            for (int i = 0; i < 2; i++)         // non-zero moments, as mid-training
            {
                optD.ZeroGrad();
                system.D.call(batches[i].Real).square().mean().backward();
                optD.Step();
            }
            optD.ZeroGrad();

            int next = 0;
            double unrolled = UnrolledGan.GeneratorLoss(system, optD, batches[^1], () => batches[next++], new Generator(5)).item<double>();

            var rng = new Generator(5);          // the same latents, drawn in the same order
            for (int i = 0; i < o.Unrolled; i++)
            {
                Tensor fake;
                using (no_grad()) fake = system.Generate(system.SampleLatent(8, rng));
                optD.ZeroGrad();
                GanLosses.Discriminator(o.Loss, system.D.call(batches[i].Real), system.D.call(fake), realLabel).backward();
                optD.Step();
            }
            double reference;
            using (no_grad())
            {
                var fakeG = system.Generate(system.SampleLatent(8, rng));
                reference = -GanLosses.Discriminator(o.Loss, system.D.call(batches[^1].Real), system.D.call(fakeG), realLabel).item<double>();
            }
            Assert.True(Math.Abs(unrolled - reference) <= 1e-9 * Math.Max(1, Math.Abs(reference)),
                $"unrolled loss {unrolled:G12} vs −L_D after {o.Unrolled} Adam steps {reference:G12}");
        }
        finally
        {
            set_default_dtype(saved);
        }
    }

    [Theory]
    [InlineData(LossKind.Gan, 1.0)]
    [InlineData(LossKind.Gan, 0.9)]
    [InlineData(LossKind.Hinge, 1.0)]
    [InlineData(LossKind.Lsgan, 0.9)]
    [InlineData(LossKind.Wgan, 1.0)]
    public void RealHalfPlusGeneratedHalfIsDsLoss(LossKind kind, double realLabel)
    {
        // The generated half of each D loss, by hand: GAN softplus(l), hinge relu(1 + l), LSGAN ½ l², WGAN mean l.
        using var real = tensor(new[] { 0.3f, -1.2f, 2.0f });
        using var fake = tensor(new[] { -0.5f, 0.7f, 1.5f });
        var fakeHalf = kind switch
        {
            LossKind.Gan => nn.functional.softplus(fake).mean(),
            LossKind.Hinge => nn.functional.relu(1 + fake).mean(),
            LossKind.Lsgan => 0.5 * fake.pow(2).mean(),
            _ => fake.mean(),
        };
        double sum = (GanLosses.DiscriminatorReal(kind, real, realLabel) + fakeHalf).item<float>();
        Assert.Equal(GanLosses.Discriminator(kind, real, fake, realLabel).item<float>(), sum, 5);
    }
}
