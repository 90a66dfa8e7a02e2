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

/// <summary>
/// A joint-embedding minibatch extended by hard negatives: the B drawn images with their captions, then for each a
/// data row that differs from it in exactly one attribute (<see cref="HardNegativeSampler"/>), with that row's
/// captions. The loss runs over all 2B images and texts, so each image's own one-attribute neighbour is among its
/// negatives (and every pair of equal attributes stays out, <see cref="JointEmbeddingLoss.SamePairs"/>).
/// </summary>
public sealed record JointEmbeddingBatch(Tensor Images, Tensor Captions, Tensor Counts, Tensor? Attributes, Tensor? Labels, Tensor? Found)
{
    /// <summary>
    /// The batch of <paramref name="images"/> (B×C×H×W), their caption rows (B×K×L) and counts (B), attributes (B×A)
    /// and labels, extended by one hard negative each from <paramref name="data"/> when <paramref name="sampler"/> is
    /// given (drawn from <paramref name="generator"/>); <c>Found</c> (bool B) says which rows had a one-attribute
    /// neighbour. Everything is put on <paramref name="device"/>.
    /// </summary>
    public static JointEmbeddingBatch Of(Tensor images, Tensor captions, Tensor counts, Tensor? attributes, Tensor? labels,
        TensorDataset? data, HardNegativeSampler? sampler, Generator? generator, Device device)
    {
        if (sampler is null || data is null) return new(images, captions, counts, attributes, labels, null);
        var key = attributes ?? labels ?? throw new ArgumentException("hard negatives need attribute rows or labels");
        var (idx, found) = sampler.Sample(key, generator);
        var extra = data.GatherExtra(idx);                                           // cpu: fields of the CPU data set
        Tensor Join(Tensor a, Tensor b) => cat([a, b.On(device)], 0);
        return new(Join(images, data.Gather(idx)), Join(captions, extra[CaptionFields.Captions]), Join(counts, extra[CaptionFields.CaptionCount]),
            attributes is null ? null : Join(attributes, extra[CaptionFields.Attributes]),
            labels is null ? null : Join(labels, data.GatherLabels(idx)!), found.On(device));
    }

    /// <summary>
    /// Of the first <paramref name="n"/> images (the drawn ones) whose hard negative was found, the share that score
    /// their own text above their neighbour's (row i against column n + i of <paramref name="scores"/>); 0 when none.
    /// </summary>
    public Tensor HardTop1(Tensor scores, long n)
    {
        if (Found is null) return zeros(1, device: scores.device).squeeze();
        using var scope = NewDisposeScope();
        var own = scores.diag().narrow(0, 0, n);
        var hard = scores.narrow(0, 0, n).diag(n);                                    // [i, n + i]
        var found = Found.to_type(ScalarType.Float32);
        return own.gt(hard).to_type(ScalarType.Float32).mul(found).sum().div(found.sum().clamp_min(1)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// An auxiliary attribute classifier on a joint embedding: one linear map from the embedding to the logits of every
/// attribute column (<see cref="Classes"/>[c] values, 0 … k − 1; −1 marks an absent value, e.g. the second object
/// of a one-object scene, and is ignored). Its loss, the mean over columns of the cross-entropy, makes every attribute
/// linearly readable from the embedding: the joint-embedding hinge alone is solved by background and position on
/// captioned shapes, and leaves colour and shape nearly unreadable (docs/text-to-image.md, Diagnosis 2).
/// </summary>
public sealed class AttributeHeads : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Linear logits;

    public AttributeHeads(int embeddingDim, IReadOnlyList<long> classes) : base(nameof(AttributeHeads))
    {
        if (classes.Count == 0 || classes.Any(k => k < 1)) throw new ArgumentException("attribute heads need at least one column of at least one class");
        Classes = classes.ToArray();
        EmbeddingDim = embeddingDim;
        logits = nn.Linear(embeddingDim, Classes.Sum());                      // N×D → N×Σk
        RegisterComponents();
    }

    public long[] Classes { get; }
    public int EmbeddingDim { get; }

    /// <summary>
    /// Logits of the embeddings scaled to norm √D (each row): the joint-embedding hinge keeps the text embedding small
    /// (a few units against the image embedding's tens), and a linear head on the raw embedding would then learn
    /// in proportion to that norm.
    /// </summary>
    public override Tensor forward(Tensor embeddings) => logits.call(nn.functional.normalize(embeddings, dim: 1).mul(Math.Sqrt(EmbeddingDim)));

    /// <summary>
    /// The mean over the columns with at least two classes of the cross-entropy (mean over the rows whose value is
    /// not −1) of the logits of <paramref name="embeddings"/> (N×D) against <paramref name="attributes"/> (int64 N×A,
    /// or N for one column).
    /// </summary>
    public Tensor Loss(Tensor embeddings, Tensor attributes) => LossOfLogits(call(embeddings), attributes, Classes);

    /// <summary><see cref="Loss"/> from the logits (N×Σk).</summary>
    public static Tensor LossOfLogits(Tensor logits, Tensor attributes, IReadOnlyList<long> classes)
    {
        using var scope = NewDisposeScope();
        var terms = ScoredColumns(logits, attributes, classes)
            .Select(col => nn.functional.cross_entropy(col.Logits, col.Target, ignore_index: -1)).ToList();
        var loss = terms.Count == 0 ? logits.sum().mul(0) : stack(terms).mean();
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The mean over the columns that <see cref="LossOfLogits"/> scores of the share of rows (value not −1) whose
    /// arg-max logit is their value: how often the heads read each attribute right.
    /// </summary>
    public static Tensor AccuracyOfLogits(Tensor logits, Tensor attributes, IReadOnlyList<long> classes)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var terms = new List<Tensor>();
        foreach (var (columnLogits, target) in ScoredColumns(logits, attributes, classes))
        {
            var present = target.ne(-1);
            var hit = columnLogits.argmax(1).eq(target).logical_and(present);
            terms.Add(hit.to_type(ScalarType.Float32).sum().div(present.to_type(ScalarType.Float32).sum()));
        }
        var accuracy = terms.Count == 0 ? zeros(1, device: logits.device).squeeze() : stack(terms).mean();
        return accuracy.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The columns that the loss and the accuracy score: those with at least two classes and at least one row whose
    /// value is not −1 (absent), each as its slice of the logits (N×k) and its targets (N).
    /// </summary>
    private static IEnumerable<(Tensor Logits, Tensor Target)> ScoredColumns(Tensor logits, Tensor attributes, IReadOnlyList<long> classes)
    {
        var rows = attributes.dim() == 1 ? attributes.unsqueeze(1) : attributes;
        if (rows.shape[1] != classes.Count) throw new ArgumentException($"attribute rows have {rows.shape[1]} values, the heads {classes.Count}");
        long start = 0;
        for (int c = 0; c < classes.Count; start += classes[c], c++)
        {
            if (classes[c] < 2) continue;
            var target = rows.select(1, c);
            if (!target.ne(-1).any().item<bool>()) continue;                   // no row has this column (all absent)
            yield return (logits.narrow(1, start, classes[c]), target);
        }
    }

    /// <summary>Classes per column of a dataset's "attributes" (its largest value + 1), else of its labels; null when it has neither.</summary>
    public static long[]? ClassesOf(TensorDataset data)
    {
        var rows = data.ExtraFields.TryGetValue(CaptionFields.Attributes, out var a) ? a : data.Labels?.unsqueeze(1);
        if (rows is null) return null;
        using var max = rows.amax(new long[] { 0 });
        return max.data<long>().Select(m => Math.Max(1, m + 1)).ToArray(); // cpu: fields of the CPU data set
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

    /// <summary>Extend each batch by one-attribute neighbours (<see cref="JointEmbeddingBatch"/>).</summary>
    public bool HardNegatives { get; init; } = true;

    /// <summary>Weight of the auxiliary attribute loss on both embeddings (<see cref="AttributeHeads"/>); 0: off.</summary>
    public double AttributeWeight { get; init; } = 10.0;
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
        var hard = o.HardNegatives ? HardNegativeSampler.For(data) : null;

        manual_seed(seed);
        var text = new TextEncoder(vocab.Count, o.EmbeddingDim, o.WordDim, o.HiddenDim, o.TextEncoder);
        var image = new ImageEncoder((int)data.ExampleShape[1], (int)data.ExampleShape[0], o.EmbeddingDim, o.ImageWidth);
        var classes = o.AttributeWeight > 0 ? AttributeHeads.ClassesOf(data) : null;
        using var textHeads = classes is null ? null : new AttributeHeads(o.EmbeddingDim, classes);
        using var imageHeads = classes is null ? null : new AttributeHeads(o.EmbeddingDim, classes);
        var parameters = text.parameters().Concat(image.parameters())
            .Concat(textHeads?.parameters() ?? []).Concat(imageHeads?.parameters() ?? []).ToList();
        using var optimizer = optim.Adam(parameters, o.LearningRate);
        using var g = new Generator(unchecked((ulong)seed) ^ 0x5EEDUL);
        var losses = new List<double>(steps);
        text.train();
        image.train();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var idx = randperm(data.Count, generator: g).narrow(0, 0, batch); // cpu: the judge is trained on the CPU
            var b = JointEmbeddingBatch.Of(data.Gather(idx), captions.index_select(0, idx), counts.index_select(0, idx),
                attributes?.index_select(0, idx), data.GatherLabels(idx), data, hard, g, CPU);
            var (ids, mask) = CaptionFields.Trim(CaptionFields.PickCaption(b.Captions, b.Counts, g));
            var same = JointEmbeddingLoss.SamePairs(b.Attributes, b.Labels, b.Images.shape[0]);
            var imageEmbedding = image.call(b.Images);
            var textEmbedding = text.call(ids, mask);
            var loss = JointEmbeddingLoss.Loss(imageEmbedding, textEmbedding, o.Margin, same);
            if (textHeads is not null && imageHeads is not null)
            {
                var key = b.Attributes ?? b.Labels!;
                loss = loss.add(textHeads.Loss(textEmbedding, key).add(imageHeads.Loss(imageEmbedding, key)).mul(o.AttributeWeight));
            }
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
