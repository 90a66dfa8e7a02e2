using GanSharp.Layers;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Models;

/// <summary>
/// The stability fixes that change D's architecture, applied the same way to every family: PacGAN packing,
/// spectral normalization of every weight layer (which also drops BatchNorm, as in Miyato et al.), BatchNorm
/// off (WGAN-GP's critic), a minibatch layer before the head, maxout units in MLPs.
/// </summary>
public sealed record DiscriminatorOptions
{
    public int Pack { get; init; } = 1;
    public bool SpectralNorm { get; init; }
    public bool BatchNorm { get; init; } = true;
    public bool MinibatchStd { get; init; }
    public int MinibatchDiscKernels { get; init; }
    public int MinibatchDiscDims { get; init; } = 5;
    public int Maxout { get; init; }

    public Module<Tensor, Tensor> Conv(long inC, long outC, long kernel, long stride, long padding, bool bias) => SpectralNorm
        ? new SNConv2d(inC, outC, kernel, stride, padding, bias)
        : Conv2d(inC, outC, kernel, stride: stride, padding: padding, bias: bias);

    public Module<Tensor, Tensor> Linear(long inF, long outF, bool bias = true) => SpectralNorm
        ? new SNLinear(inF, outF, bias)
        : nn.Linear(inF, outF, hasBias: bias);

    public Module<Tensor, Tensor> Norm2d(long channels) => BatchNorm ? BatchNorm2d(channels) : Identity();

    public Module<Tensor, Tensor> Norm1d(long features) => BatchNorm ? BatchNorm1d(features) : Identity();

    /// <summary>body (N×features) → minibatch layer → linear head.</summary>
    public Discriminator Assemble(Module<Tensor, Tensor> body, long features, bool headBias)
    {
        Module<Tensor, Tensor>? mb = null;
        long headIn = features;
        if (MinibatchDiscKernels > 0)
        {
            mb = new MinibatchDiscrimination(features, MinibatchDiscKernels, MinibatchDiscDims);
            headIn += MinibatchDiscKernels;
        }
        else if (MinibatchStd)
        {
            mb = new MinibatchStdDev();
            headIn += 1;
        }
        return new Discriminator(body, mb, Linear(headIn, 1, headBias), Pack);
    }
}
