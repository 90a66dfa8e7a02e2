using GanSharp.Data;
using TorchSharp;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// The structured joint embedding loss of Reed et al. 2016a ("Learning Deep Representations of Fine-Grained Visual
/// Descriptions"), minibatch form: with compatibility F(v, t) = θ(v)·φ(t) and S[i, j] = F(image i, text j), the
/// symmetric hinge
/// <c>L = (1/N) Σ_i Σ_{j≠i} ( max(0, m + S[i,j] − S[i,i]) + max(0, m + S[j,i] − S[i,i]) )</c>:
/// each image must score its own text above every other text of the batch by the margin m (image → text), and each
/// text its own image above every other image (text → image). Pairs that match equally well (same attributes or
/// class, <c>same</c>) carry no loss, as Reed's Δ(y, y') = 0 for one class. This is the hinge variant, not a softmax.
/// </summary>
public static class JointEmbeddingLoss
{
    /// <summary>S = images · textsᵀ (N×N): row i is image i against every text.</summary>
    public static Tensor Compatibility(Tensor imageEmbeddings, Tensor textEmbeddings) => imageEmbeddings.mm(textEmbeddings.t());

    /// <summary>The loss of embeddings (N×D each); <paramref name="same"/> (bool N×N) marks pairs that are not negatives.</summary>
    public static Tensor Loss(Tensor imageEmbeddings, Tensor textEmbeddings, double margin = 1.0, Tensor? same = null) =>
        FromScores(Compatibility(imageEmbeddings, textEmbeddings), margin, same);

    /// <summary>The loss of a compatibility matrix <paramref name="scores"/> (N×N, diagonal = matching pairs).</summary>
    public static Tensor FromScores(Tensor scores, double margin = 1.0, Tensor? same = null)
    {
        using var scope = NewDisposeScope();
        long n = scores.shape[0];
        var diagonal = scores.diag();                                               // N
        var negatives = eye(n, dtype: ScalarType.Bool, device: scores.device).logical_not();
        if (same is not null) negatives = negatives.logical_and(same.logical_not());
        var weight = negatives.to_type(scores.dtype);
        var wrongText = scores.sub(diagonal.unsqueeze(1)).add(margin).clamp_min(0);   // [i, j]: image i, text j ≠ i
        var wrongImage = scores.sub(diagonal.unsqueeze(0)).add(margin).clamp_min(0);  // [i, j]: text j, image i ≠ j
        return wrongText.add(wrongImage).mul(weight).sum().div(n).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Which rows of a minibatch are interchangeable: equal "attributes" rows when the batch has them, else equal
    /// labels, else only the diagonal. Returns bool B×B.
    /// </summary>
    public static Tensor SamePairs(Tensor? attributes, Tensor? labels, long batch, Device? device = null)
    {
        if (attributes is not null) return attributes.unsqueeze(1).eq(attributes.unsqueeze(0)).all(2);
        if (labels is not null) return labels.unsqueeze(1).eq(labels.unsqueeze(0));
        return eye(batch, dtype: ScalarType.Bool, device: device);
    }
}

/// <summary>Settings of <see cref="JointEmbeddingTrainer"/>.</summary>
public sealed record JointEmbeddingOptions
{
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 2e-3;
    public double Margin { get; init; } = 1.0;
    public int EmbeddingDim { get; init; } = 128;
    public int WordDim { get; init; } = 64;
    public int HiddenDim { get; init; } = 128;
    public int ImageWidth { get; init; } = 32;
    public TextEncoderKind TextEncoder { get; init; } = TextEncoderKind.Cnn;
}

/// <summary>A trained text/image encoder pair and the loss of every step.</summary>
public sealed class JointEmbeddingResult(TextEncoder text, ImageEncoder image, IReadOnlyList<double> losses) : IDisposable
{
    public TextEncoder Text { get; } = text;
    public ImageEncoder Image { get; } = image;
    public IReadOnlyList<double> Losses { get; } = losses;

    public void Dispose()
    {
        Text.Dispose();
        Image.Dispose();
    }
}

/// <summary>
/// Pretrains a <see cref="TextEncoder"/> and an <see cref="ImageEncoder"/> jointly with <see cref="JointEmbeddingLoss"/>
/// on a captioned dataset (fields of <see cref="CaptionFields"/>): each step draws a batch of distinct images and one
/// of each image's captions. The text encoder then conditions GAN-CLS / StackGAN (frozen), and a second pair trained
/// with another seed can judge R-precision.
/// </summary>
public static class JointEmbeddingTrainer
{
    /// <summary>
    /// Trains for <paramref name="steps"/> Adam steps. Deterministic per <paramref name="seed"/>: it seeds torch's
    /// global generator for the initial weights and draws batches from its own generator.
    /// </summary>
    public static JointEmbeddingResult Train(TensorDataset data, int steps, long seed, JointEmbeddingOptions? options = null,
        Action<int, double>? progress = null)
    {
        var o = options ?? new JointEmbeddingOptions();
        var vocab = CaptionFields.VocabularyOf(data);
        if (!data.IsImage || data.ExampleShape.Length != 3)
            throw new DataException($"joint embedding needs C×H×W images; {data.Name} holds {string.Join("×", data.ExampleShape)} values");
        if (!data.ExtraFields.TryGetValue(CaptionFields.Captions, out var captions) || !data.ExtraFields.TryGetValue(CaptionFields.CaptionCount, out var counts))
            throw new DataException($"dataset {data.Name} has no '{CaptionFields.Captions}' field: use a captioned dataset");
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), "steps must be ≥ 0");
        int batch = (int)Math.Min(o.BatchSize, data.Count);
        if (batch < 2) throw new DataException($"joint embedding needs at least 2 images per batch; {data.Name} has {data.Count}");
        data.ExtraFields.TryGetValue(CaptionFields.Attributes, out var attributes);

        manual_seed(seed);
        var text = new TextEncoder(vocab.Count, o.EmbeddingDim, o.WordDim, o.HiddenDim, o.TextEncoder);
        var image = new ImageEncoder((int)data.ExampleShape[1], (int)data.ExampleShape[0], o.EmbeddingDim, o.ImageWidth);
        var parameters = text.parameters().Concat(image.parameters()).ToList();
        using var optimizer = optim.Adam(parameters, o.LearningRate);
        using var g = new Generator(unchecked((ulong)seed) ^ 0x5EEDUL);
        var losses = new List<double>(steps);
        text.train();
        image.train();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var idx = randperm(data.Count, generator: g).narrow(0, 0, batch); // cpu: the judge is trained on the CPU
            var (ids, mask) = CaptionFields.Trim(CaptionFields.PickCaption(captions.index_select(0, idx), counts.index_select(0, idx), g));
            var same = JointEmbeddingLoss.SamePairs(attributes?.index_select(0, idx), data.GatherLabels(idx), batch);
            var loss = JointEmbeddingLoss.Loss(image.call(data.Gather(idx)), text.call(ids, mask), o.Margin, same);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
            progress?.Invoke(step, losses[^1]);
        }
        text.eval();
        image.eval();
        return new JointEmbeddingResult(text, image, losses);
    }
}
