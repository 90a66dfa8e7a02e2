using static TorchSharp.torch;

namespace GanSharp.Families.Progressive;

/// <summary>
/// A Laplacian pyramid after Denton, Chintala, Szlam &amp; Fergus 2015, "Deep Generative Image Models using a
/// Laplacian Pyramid of Adversarial Networks" (LAPGAN): g₀ = the image, g_{k+1} = d(g_k), band h_k = g_k − u(g_{k+1}),
/// with d = 2×2 average pooling and u = bilinear ×2 upsampling (align_corners false). Reconstruction runs coarse to
/// fine, g_k = u(g_{k+1}) + h_k, and gives the image back up to float rounding. LAPGAN's level-k generator produces
/// h_k from u(g_{k+1}) (and noise); its coarsest level is an ordinary GAN on g_K.
/// </summary>
public sealed class LaplacianPyramid
{
    private LaplacianPyramid(IReadOnlyList<Tensor> bands, Tensor coarsest)
    {
        Bands = bands;
        Coarsest = coarsest;
    }

    /// <summary>The band-pass residuals h_0 (finest, the image's size) … h_{K−1}.</summary>
    public IReadOnlyList<Tensor> Bands { get; }

    /// <summary>The low-pass image g_K at 1/2^K of the size.</summary>
    public Tensor Coarsest { get; }

    public static Tensor Downsample(Tensor x) => nn.functional.avg_pool2d(x, 2);

    public static Tensor Upsample(Tensor x) =>
        nn.functional.interpolate(x, scale_factor: new[] { 2.0, 2.0 }, mode: InterpolationMode.Bilinear, align_corners: false);

    /// <summary>Builds <paramref name="levels"/> bands of N×C×H×W images (H and W divisible by 2^levels).</summary>
    public static LaplacianPyramid Build(Tensor images, int levels)
    {
        if (images.dim() != 4)
            throw new ArgumentException($"expected N×C×H×W images, got shape [{string.Join(", ", images.shape)}]", nameof(images));
        if (levels < 1)
            throw new ArgumentOutOfRangeException(nameof(levels), levels, "a pyramid needs at least 1 level");
        long div = 1L << levels;
        if (images.shape[2] % div != 0 || images.shape[3] % div != 0)
            throw new ArgumentException($"{images.shape[2]}x{images.shape[3]} images cannot be halved {levels} times: use sides divisible by {div}", nameof(images));
        var bands = new List<Tensor>();
        var g = images;
        for (int k = 0; k < levels; k++)
        {
            var next = Downsample(g);                                                          // N × C × H/2^(k+1) × …
            bands.Add(g - Upsample(next));                                                     // h_k: N × C × H/2^k × …
            g = next;
        }
        return new LaplacianPyramid(bands, g);
    }

    /// <summary>g_0 from the coarsest image and the bands: g_k = u(g_{k+1}) + h_k, coarse to fine.</summary>
    public Tensor Reconstruct() => Reconstruct(Coarsest, Bands);

    /// <summary>Coarse-to-fine reconstruction from any low-pass image and bands (as LAPGAN samples: generated bands).</summary>
    public static Tensor Reconstruct(Tensor coarsest, IReadOnlyList<Tensor> bands)
    {
        var g = coarsest;
        for (int k = bands.Count - 1; k >= 0; k--) g = Upsample(g) + bands[k];
        return g;
    }
}
