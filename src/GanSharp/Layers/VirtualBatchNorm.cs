using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Layers;

/// <summary>
/// Virtual batch normalization after Salimans et al. 2016, "Improved Techniques for Training GANs" (section 3.4),
/// as the authors' VBN class (improved-gan imagenet/model.py): per channel, the reference batch's mean μ_ref and
/// mean of squares s_ref (over its n examples and all pixels) are mixed with the example's own (over its pixels):
/// μ = μ_x/(n+1) + μ_ref·n/(n+1), s = s_x/(n+1) + s_ref·n/(n+1), y = γ (x − μ)/√(ε + s − μ²) + β. Each example is
/// normalized independently of the rest of its batch. The reference batch itself is normalized with μ_ref, s_ref
/// alone. γ ~ N(1, 0.02), β = 0, ε = 1e-5 as there.
/// <para>
/// The statistics are buffers (ref_mean, ref_mean_sq, ref_count) saved in checkpoints. The authors re-run the
/// reference batch through the network on every step and differentiate through its statistics; here
/// <see cref="SetReference"/> or a forward with <see cref="ReferenceMode"/> on stores them without gradient. To
/// track a changing network, run the reference batch in reference mode before each step's forward.
/// </para>
/// </summary>
public sealed class VirtualBatchNorm : Module<Tensor, Tensor>
{
    private readonly Parameter gamma;       // C
    private readonly Parameter beta;        // C
    private readonly Tensor ref_mean;       // C, buffer
    private readonly Tensor ref_mean_sq;    // C, buffer
    private readonly Tensor ref_count;      // scalar n (0 = no reference yet), buffer
    private readonly double eps;

    public VirtualBatchNorm(long numFeatures, double eps = 1e-5) : base(nameof(VirtualBatchNorm))
    {
        using var scope = NewDisposeScope();
        gamma = Owned.Parameter(normal(1.0, 0.02, new long[] { numFeatures })); // cpu: made at construction, moved with its module
        beta = Owned.Parameter(zeros(numFeatures)); // cpu: made at construction, moved with its module
        ref_mean = Owned.Buffer(zeros(numFeatures)); // cpu: made at construction, moved with its module
        ref_mean_sq = Owned.Buffer(ones(numFeatures)); // cpu: made at construction, moved with its module
        ref_count = Owned.Buffer(zeros(1)); // cpu: made at construction, moved with its module
        this.eps = eps;
        RegisterComponents();
    }

    public Parameter Gamma => gamma;
    public Parameter Beta => beta;
    /// <summary>The reference batch's per-channel mean (C).</summary>
    public Tensor ReferenceMean => ref_mean;
    /// <summary>The reference batch's per-channel mean of squares (C).</summary>
    public Tensor ReferenceMeanSquare => ref_mean_sq;
    /// <summary>n, the reference batch's example count; 0 until a reference is set.</summary>
    public long ReferenceCount => (long)ref_count.item<float>();
    public bool HasReference => ReferenceCount > 0;

    /// <summary>When on, forward takes its input as the new reference batch (stores its statistics) and
    /// normalizes it with them alone.</summary>
    public bool ReferenceMode { get; set; }

    /// <summary>Stores the statistics of <paramref name="reference"/> (n × C or n × C × H × W) as the reference.</summary>
    public void SetReference(Tensor reference)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (mean, meanSq) = ReferenceStats(reference);
        ref_mean.copy_(mean);
        ref_mean_sq.copy_(meanSq);
        ref_count.fill_(reference.shape[0]);
    }

    public override Tensor forward(Tensor x)                                   // N × C  or  N × C × H × W
    {
        using var scope = NewDisposeScope();
        var view = ChannelView(x);                                             // 1 × C (× 1 × 1)
        Tensor mean, meanSq;
        if (ReferenceMode)
        {
            (mean, meanSq) = ReferenceStats(x);                                // C, with gradient for this output
            using (no_grad())
            {
                ref_mean.copy_(mean);
                ref_mean_sq.copy_(meanSq);
                ref_count.fill_(x.shape[0]);
            }
            mean = mean.reshape(view);
            meanSq = meanSq.reshape(view);
        }
        else
        {
            long n = ReferenceCount;
            if (n == 0)
                throw new InvalidOperationException("VirtualBatchNorm: no reference batch; call SetReference or run one forward with ReferenceMode on first");
            double newCoeff = 1.0 / (n + 1), oldCoeff = 1.0 - newCoeff;
            var spatial = Enumerable.Range(2, (int)x.dim() - 2).Select(d => (long)d).ToArray();
            var xMean = spatial.Length == 0 ? x : x.mean(spatial, keepdim: true);               // N × C (× 1 × 1)
            var xMeanSq = spatial.Length == 0 ? x.square() : x.square().mean(spatial, keepdim: true);
            mean = newCoeff * xMean + oldCoeff * ref_mean.reshape(view);        // N × C (× 1 × 1)
            meanSq = newCoeff * xMeanSq + oldCoeff * ref_mean_sq.reshape(view);
        }
        var std = (meanSq - mean.square() + eps).sqrt();
        var y = (x - mean) / std * gamma.reshape(view) + beta.reshape(view);  // N × C (× H × W)
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>Per-channel mean and mean of squares over examples and pixels: (C, C).</summary>
    private static (Tensor Mean, Tensor MeanSq) ReferenceStats(Tensor x)
    {
        var dims = Enumerable.Range(0, (int)x.dim()).Where(d => d != 1).Select(d => (long)d).ToArray();
        return (x.mean(dims), x.square().mean(dims));
    }

    private static long[] ChannelView(Tensor x)
    {
        var view = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
        view[1] = -1;
        return view;
    }
}
