using static TorchSharp.torch;

namespace GanSharp.Losses;

/// <summary>
/// The adversarial loss of a run and its regularizers, as one object separate from the networks: the loss kind
/// (gan, wgan, wgan-gp, hinge, lsgan), one-sided label smoothing, the WGAN-GP penalty and R1 (optionally lazy:
/// every N steps with its weight scaled by N, as stylegan2-ada does). Instance noise is applied to D's inputs by the
/// system (it needs the run's progress), not here. Families give it D as a function of its input, so conditional
/// discriminators get the same penalties.
/// </summary>
public sealed class GanLoss
{
    public GanLoss(LossKind kind, GeneratorLossKind generatorLoss = GeneratorLossKind.NonSaturating, double realLabel = 1.0,
        double gpWeight = 10, double r1 = 0, int r1Every = 1)
    {
        if (r1Every < 1) throw new ArgumentException($"--r1-every must be at least 1 (got {r1Every})");
        Kind = kind;
        GeneratorLoss = generatorLoss;
        RealLabel = realLabel;
        GpWeight = gpWeight;
        R1 = r1;
        R1Every = r1Every;
    }

    public LossKind Kind { get; }
    public GeneratorLossKind GeneratorLoss { get; }
    public double RealLabel { get; }
    public double GpWeight { get; }
    public double R1 { get; }
    public int R1Every { get; }

    /// <summary>
    /// D's loss on its outputs for real and fake inputs, plus the penalties (WGAN-GP on interpolates drawn from
    /// <paramref name="generator"/>; R1 on <paramref name="realIn"/> on steps where <paramref name="step"/> is a
    /// multiple of R1Every). Penalty values are logged as loss_gp / loss_r1.
    /// </summary>
    public LossResult Discriminator(Func<Tensor, Tensor> d, Tensor realIn, Tensor fakeIn, Tensor realOut, Tensor fakeOut,
        Generator? generator, int step = 1)
    {
        var loss = GanLosses.Discriminator(Kind, realOut, fakeOut, RealLabel);
        Dictionary<string, Tensor>? logged = null;
        if (Kind == LossKind.WganGp)
        {
            var gp = Penalties.GradientPenalty(d, realIn, fakeIn, generator);
            loss = loss + GpWeight * gp;
            (logged ??= new())["loss_gp"] = gp.detach();
        }
        if (R1 > 0 && step % R1Every == 0)
        {
            var r1 = Penalties.R1(d, realIn);
            loss = loss + R1 / 2 * R1Every * r1;
            (logged ??= new())["loss_r1"] = r1.detach();
        }
        var result = new LossResult(loss, MeanOutput(realOut), MeanOutput(fakeOut));
        return logged is null ? result : result with { Logged = logged };
    }

    /// <summary>G's loss on D's outputs for generated samples.</summary>
    public Tensor Generator(Tensor fakeOut) => GanLosses.Generator(Kind, fakeOut, GeneratorLoss);

    /// <summary>Mean D output as a probability for the gan loss, the mean raw output (critic value) otherwise.</summary>
    public Tensor MeanOutput(Tensor output) =>
        Kind == LossKind.Gan ? sigmoid(output.detach()).mean() : output.detach().mean();
}
