using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Losses;

/// <summary>Gradient penalties on D; pure functions of D (as a function) and data.</summary>
public static class Penalties
{
    /// <summary>
    /// WGAN-GP (Gulrajani et al. 2017): E[(‖∇D(x̂)‖₂ − 1)²] at x̂ = εx + (1 − ε)G(z), ε ~ U(0, 1) per example.
    /// </summary>
    public static Tensor GradientPenalty(Func<Tensor, Tensor> d, Tensor real, Tensor fake, Generator? generator)
    {
        var shape = new long[real.dim()];
        shape[0] = real.shape[0];
        for (int i = 1; i < shape.Length; i++) shape[i] = 1;
        var eps = Devices.Rand(shape, generator, real.device);
        var xhat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(true);
        var grad = InputGradient(d, xhat);
        return (grad.flatten(1).norm(1, keepdim: false) - 1).pow(2).mean();
    }

    /// <summary>R1 (Mescheder et al. 2018): E‖∇D(x)‖² on real data (multiply by γ/2).</summary>
    public static Tensor R1(Func<Tensor, Tensor> d, Tensor real)
    {
        var x = real.detach().requires_grad_(true);
        return R1(d(x), x);
    }

    /// <summary>
    /// R1 from outputs D already computed: E‖∇ₓ Σ D‖² over the rows of <paramref name="x"/>, a leaf that recorded
    /// gradients when D scored it. For a D whose scores of x come out of a larger forward pass (the matching-aware D
    /// scores real, wrong-text and fake pairs in one batch), so the penalty and the loss share that pass.
    /// </summary>
    public static Tensor R1(Tensor outputs, Tensor x)
    {
        if (!x.requires_grad) throw new ArgumentException("R1 needs the real images as a leaf that records gradients (real.detach().requires_grad_(true)) before D scores them");
        return InputGradient(outputs, x).flatten(1).pow(2).sum(1).mean();
    }

    /// <summary>∇ₓ Σ D(x), kept in the graph so the penalty trains D.</summary>
    private static Tensor InputGradient(Func<Tensor, Tensor> d, Tensor x) => InputGradient(d(x), x);

    private static Tensor InputGradient(Tensor outputs, Tensor x) =>
        autograd.grad(new[] { outputs.sum() }, new[] { x }, retain_graph: true, create_graph: true)[0];
}
