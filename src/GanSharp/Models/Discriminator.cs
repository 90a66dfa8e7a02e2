using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Models;

/// <summary>
/// A discriminator as body → (optional minibatch layer) → head, so the stability fixes compose with any
/// architecture: the body maps (packed) inputs to hidden features (N×F), feature matching reads them, a
/// minibatch layer (minibatch discrimination or minibatch standard deviation) appends batch statistics, and the
/// head gives one output per example. With PacGAN packing m (Lin et al. 2018), m consecutive samples are
/// concatenated along the channels (images) or features (vectors) and judged together: N inputs give N/m outputs.
/// </summary>
public sealed class Discriminator : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> body;
    private readonly Module<Tensor, Tensor>? minibatch;
    private readonly Module<Tensor, Tensor> head;

    public Discriminator(Module<Tensor, Tensor> body, Module<Tensor, Tensor>? minibatch, Module<Tensor, Tensor> head, int pack = 1)
        : base(nameof(Discriminator))
    {
        this.body = body;
        this.minibatch = minibatch;
        this.head = head;
        Pack = pack;
        RegisterComponents();
    }

    /// <summary>The layers mapping packed inputs to hidden features.</summary>
    public Module<Tensor, Tensor> Body => body;

    /// <summary>The minibatch layer before the head, if any.</summary>
    public Module<Tensor, Tensor>? MinibatchLayer => minibatch;

    /// <summary>The output layer.</summary>
    public Module<Tensor, Tensor> Head => head;

    /// <summary>Samples judged together (1: no packing).</summary>
    public int Pack { get; }

    /// <summary>Concatenates m consecutive samples: N×C×H×W → (N/m)×(mC)×H×W, N×F → (N/m)×(mF).</summary>
    public Tensor Packed(Tensor x)
    {
        if (Pack == 1) return x;
        var shape = x.shape.ToArray();
        shape[0] /= Pack;
        shape[1] *= Pack;
        return x.reshape(shape);
    }

    /// <summary>Hidden features of the (packed) inputs: N/m × F.</summary>
    public Tensor Features(Tensor x) => body.call(Packed(x));

    /// <summary>One output (logit or critic value) per packed input: N/m.</summary>
    public override Tensor forward(Tensor x)
    {
        var h = Features(x);
        if (minibatch is not null) h = minibatch.call(h);
        return head.call(h).flatten(0);
    }
}
