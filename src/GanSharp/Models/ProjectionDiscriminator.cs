using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Models;

/// <summary>
/// The projection discriminator of Miyato &amp; Koyama 2018, "cGANs with Projection Discriminator":
/// logit = ψ(φ(x)) + ⟨embed(y), φ(x)⟩. φ is the DCGAN discriminator's convolutional trunk with its last feature
/// map flattened (dcgan28 and the pytorch/examples D have no pooling: their final Linear / 4×4 conv is ψ), so
/// with the embedding at zero this is exactly the unconditional DCGAN D.
/// </summary>
public sealed class ProjectionDiscriminator : Module<Tensor, Tensor>
{
    private readonly Sequential phi;
    private readonly Linear psi;
    private readonly Embedding embed;

    public ProjectionDiscriminator(int size, int channels, int width, int numClasses) : base(nameof(ProjectionDiscriminator))
    {
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        long features;
        if (size == 28)
        {
            int w2 = width * 2;
            layers.Add(("conv1", Conv2d(channels, width, 4, stride: 2, padding: 1)));           // w × 14 × 14
            layers.Add(("conv1_lrelu", LeakyReLU(0.2)));
            layers.Add(("conv2", Conv2d(width, w2, 4, stride: 2, padding: 1, bias: false)));   // 2w × 7 × 7
            layers.Add(("conv2_bn", BatchNorm2d(w2)));
            layers.Add(("conv2_lrelu", LeakyReLU(0.2)));
            features = w2 * 7 * 7;
        }
        else
        {
            int blocks = size switch { 64 => 4, 32 => 3, _ => throw new ArgumentException($"no projection discriminator for {size}×{size} images: use 28, 32 or 64") };
            layers.Add(("conv0", Conv2d(channels, width, 4, stride: 2, padding: 1, bias: false))); // w × size/2
            layers.Add(("conv0_lrelu", LeakyReLU(0.2)));
            int c = width;
            for (int i = 1; i < blocks; i++)
            {
                layers.Add(($"conv{i}", Conv2d(c, c * 2, 4, stride: 2, padding: 1, bias: false))); // 2c × size/2^(i+1)
                layers.Add(($"conv{i}_bn", BatchNorm2d(c * 2)));
                layers.Add(($"conv{i}_lrelu", LeakyReLU(0.2)));
                c *= 2;
            }
            features = c * 4 * 4;                                                                  // c × 4 × 4
        }
        layers.Add(("flatten", Flatten()));                                                        // φ(x): N × F
        phi = Sequential(layers);
        psi = Linear(features, 1);                                                                 // ψ: F → 1
        embed = Embedding(numClasses, features);                                                   // y → F
        RegisterComponents();
        Init.Dcgan(this);
        using var _ = no_grad();
        init.normal_(embed.weight, 0, 0.02);
    }

    /// <summary>The unconditional part ψ(φ(x)) (N).</summary>
    public override Tensor forward(Tensor x) => psi.call(phi.call(x)).flatten();

    /// <summary>ψ(φ(x)) + ⟨embed(y), φ(x)⟩ (N).</summary>
    public Tensor Logits(Tensor x, Tensor y)
    {
        var h = phi.call(x);                                          // N × F
        return psi.call(h).flatten() + (embed.call(y) * h).sum(1);   // N
    }
}
