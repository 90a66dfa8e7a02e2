using static TorchSharp.torch;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// Text→image R-precision as AttnGAN reports it (Xu et al. 2018, "AttnGAN"): for each generated image, rank its
/// own caption among K mismatched ones (K = 99: "1 + 99") by the cosine similarity of a judge image encoder's and
/// text encoder's embeddings, trained separately from the encoder that conditions G; with one relevant caption
/// (R = 1), the score is the share of images whose own caption ranks first. Ties count as misses.
/// </summary>
public static class RPrecision
{
    public const int DefaultMismatched = 99;

    /// <summary>
    /// <paramref name="images"/> N×D, <paramref name="ownText"/> N×D (row i: image i's caption) and
    /// <paramref name="mismatchedText"/> N×K×D (row i: K captions that do not describe image i) → the share of
    /// images whose own caption is strictly the most similar.
    /// </summary>
    public static double Score(Tensor images, Tensor ownText, Tensor mismatchedText)
    {
        using var scope = NewDisposeScope();
        var v = nn.functional.normalize(images, dim: 1);                               // N×D
        var own = v.mul(nn.functional.normalize(ownText, dim: 1)).sum(1);              // N
        var other = nn.functional.normalize(mismatchedText, dim: 2).matmul(v.unsqueeze(2)).squeeze(2);  // N×K
        return own.gt(other.amax(new long[] { 1 })).to_type(ScalarType.Float64).mean().item<double>();
    }

    /// <summary>
    /// For each image index (B), <paramref name="k"/> images whose attributes differ from it (B×K indices), drawn with
    /// <paramref name="sampler"/>: take one caption of each as the mismatched ones.
    /// </summary>
    public static Tensor MismatchedImages(WrongTextSampler sampler, Tensor indices, int k, Generator? generator)
    {
        using var scope = NewDisposeScope();
        long b = indices.shape[0];
        var repeated = indices.unsqueeze(1).expand(b, k).reshape(-1);                  // B·K
        return sampler.Sample(repeated, generator).view(b, k).MoveToOuterDisposeScope();
    }
}
