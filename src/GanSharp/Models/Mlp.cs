using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Models;

/// <summary>
/// Fully connected GAN networks (Goodfellow et al. 2014) for 2-D point data and flattened images.
/// G: z → hidden (ReLU) … → output (identity for points, tanh + reshape for images); D: input → hidden
/// (LeakyReLU 0.2) … → logit.
/// </summary>
public static class Mlp
{
    public static Module<Tensor, Tensor> Generator(int zDim, int[] hidden, long[] exampleShape, bool tanhOutput, bool batchNorm = false)
    {
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        int inDim = zDim;
        for (int i = 0; i < hidden.Length; i++)
        {
            layers.Add(($"fc{i}", Linear(inDim, hidden[i])));  // hidden[i]
            if (batchNorm) layers.Add(($"bn{i}", BatchNorm1d(hidden[i])));
            layers.Add(($"relu{i}", ReLU()));
            inDim = hidden[i];
        }
        long outDim = exampleShape.Aggregate(1L, (a, b) => a * b);
        layers.Add(("out", Linear(inDim, outDim)));            // prod(exampleShape)
        if (tanhOutput) layers.Add(("tanh", Tanh()));
        if (exampleShape.Length > 1) layers.Add(("unflatten", Unflatten(1, exampleShape))); // N × exampleShape
        return Sequential(layers);
    }

    public static Discriminator Discriminator(long[] exampleShape, int[] hidden, DiscriminatorOptions? options = null)
    {
        var o = options ?? new DiscriminatorOptions();
        var layers = new List<(string, Module<Tensor, Tensor>)> { ("flatten", Flatten()) };
        long inDim = exampleShape.Aggregate(1L, (a, b) => a * b) * o.Pack;
        for (int i = 0; i < hidden.Length; i++)
        {
            if (o.Maxout > 0)
            {
                layers.Add(($"maxout{i}", new GanSharp.Layers.MaxoutLinear(inDim, hidden[i], o.Maxout))); // hidden[i]
            }
            else
            {
                layers.Add(($"fc{i}", o.Linear(inDim, hidden[i])));  // hidden[i]
                layers.Add(($"lrelu{i}", LeakyReLU(0.2)));
            }
            inDim = hidden[i];
        }
        return o.Assemble(Sequential(layers), inDim, headBias: true);  // logit
    }
}
