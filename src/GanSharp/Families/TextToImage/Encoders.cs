using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.TextToImage;

/// <summary>How <see cref="TextEncoder"/> reads the word embeddings.</summary>
public enum TextEncoderKind
{
    /// <summary>Two 1-D convolutions over the words (width 3, ReLU), then the maximum over the caption's positions.</summary>
    Cnn,

    /// <summary>A one-layer GRU; its output at the last real token.</summary>
    Gru,
}

/// <summary>
/// Word-level text encoder: token ids (N×L, 0 = padding) → word embeddings → a 1-D CNN with max-pooling over time, or
/// a GRU read at the last real token (<see cref="TextEncoderKind"/>) → linear map to the joint embedding φ(t) (N×D).
/// Padding never changes the result: the CNN zeroes padded positions after every layer (as its own zero padding
/// would) and pools over real tokens only; a unidirectional GRU's output at the last token never sees what follows.
/// </summary>
public sealed class TextEncoder : Module<Tensor, Tensor, Tensor>
{
    private readonly Embedding words;
    private readonly Module<Tensor, Tensor>? conv1, conv2;
    private readonly GRU? gru;
    private readonly Linear proj;

    public TextEncoder(long vocabularySize, int embeddingDim = 128, int wordDim = 64, int hiddenDim = 128, TextEncoderKind kind = TextEncoderKind.Cnn)
        : base(nameof(TextEncoder))
    {
        VocabularySize = vocabularySize;
        EmbeddingDim = embeddingDim;
        WordDim = wordDim;
        HiddenDim = hiddenDim;
        Kind = kind;
        words = Embedding(vocabularySize, wordDim, padding_idx: Vocabulary.PadId); // N×L → N×L×W
        if (kind == TextEncoderKind.Gru)
            gru = GRU(wordDim, hiddenDim, batchFirst: true);                       // N×L×W → N×L×H
        else
        {
            conv1 = Conv1d(wordDim, hiddenDim, 3, padding: 1);                     // N×W×L → N×H×L
            conv2 = Conv1d(hiddenDim, hiddenDim, 3, padding: 1);                   // N×H×L → N×H×L
        }
        proj = Linear(hiddenDim, embeddingDim);                                    // N×H → N×D
        RegisterComponents();
    }

    public long VocabularySize { get; }
    public int EmbeddingDim { get; }
    public int WordDim { get; }
    public int HiddenDim { get; }
    public TextEncoderKind Kind { get; }

    /// <summary><paramref name="ids"/> int64 N×L, <paramref name="mask"/> bool N×L (true on tokens, at least one per row) → N×D.</summary>
    public override Tensor forward(Tensor ids, Tensor mask)
    {
        using var scope = NewDisposeScope();
        long n = ids.shape[0];
        Tensor h;
        if (gru is not null)
        {
            var (outputs, _) = gru.call(words.call(ids), null);                                   // N×L×H
            var end = mask.sum(new long[] { 1 }, type: ScalarType.Int64).clamp_min(1).sub(1);    // N, index of the last token
            h = outputs.gather(1, end.view(n, 1, 1).expand(n, 1, HiddenDim)).squeeze(1);         // N×H
        }
        else
        {
            var keep = mask.unsqueeze(1).to_type(ScalarType.Float32);                             // N×1×L
            var x = words.call(ids).transpose(1, 2);                                              // N×W×L
            x = nn.functional.relu(conv1!.call(x)).mul(keep);                                     // N×H×L
            x = nn.functional.relu(conv2!.call(x)).mul(keep);                                     // N×H×L
            h = x.masked_fill(mask.unsqueeze(1).logical_not(), float.NegativeInfinity).amax(new long[] { 2 }); // N×H
        }
        return proj.call(h).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Small convolutional image encoder for the joint embedding: side×side RGB in [-1, 1] → strided 4×4 convolutions
/// (LeakyReLU 0.2, BatchNorm after the first) down to 4×4 → linear map to θ(v) (N×D). The side is a power of two ≥ 8.
/// </summary>
public sealed class ImageEncoder : Module<Tensor, Tensor>
{
    private readonly Sequential body;
    private readonly Linear proj;

    public ImageEncoder(int size, int channels = 3, int embeddingDim = 128, int width = 32) : base(nameof(ImageEncoder))
    {
        if (size < 8 || (size & (size - 1)) != 0) throw new ArgumentException($"image encoder needs a power-of-two side of at least 8, got {size}");
        Size = size;
        EmbeddingDim = embeddingDim;
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        int c = channels, side = size, w = width;
        for (int i = 0; side > 4; i++, side /= 2)
        {
            layers.Add(($"conv{i}", Conv2d(c, w, 4, stride: 2, padding: 1, bias: i == 0)));   // w × side/2
            if (i > 0) layers.Add(($"conv{i}_bn", BatchNorm2d(w)));
            layers.Add(($"conv{i}_lrelu", LeakyReLU(0.2)));
            c = w;
            w = Math.Min(w * 2, 8 * width);
        }
        layers.Add(("flatten", Flatten()));                                                   // c·4·4
        body = Sequential(layers);
        proj = Linear(c * 16, embeddingDim);                                                  // D
        RegisterComponents();
    }

    public int Size { get; }
    public int EmbeddingDim { get; }

    public override Tensor forward(Tensor images) => proj.call(body.call(images));
}
