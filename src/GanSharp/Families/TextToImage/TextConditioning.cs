using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// The constructor arguments of a <see cref="TextEncoder"/>: kept in checkpoints (family state "text-encoder") so the
/// encoder is rebuilt without its data or the run that pretrained it.
/// </summary>
public sealed record TextEncoderConfig(long VocabularySize, int EmbeddingDim, int WordDim, int HiddenDim, TextEncoderKind Kind)
{
    public static TextEncoderConfig Of(TextEncoder t) => new(t.VocabularySize, t.EmbeddingDim, t.WordDim, t.HiddenDim, t.Kind);

    public TextEncoder Build() => new(VocabularySize, EmbeddingDim, WordDim, HiddenDim, Kind);

    public JsonObject ToJson() => new()
    {
        ["vocabulary-size"] = VocabularySize,
        ["embedding-dim"] = EmbeddingDim,
        ["word-dim"] = WordDim,
        ["hidden-dim"] = HiddenDim,
        ["kind"] = Kind.ToString().ToLowerInvariant(),
    };

    public static TextEncoderConfig FromJson(JsonNode? node, string source)
    {
        try
        {
            var o = node?.AsObject() ?? throw new CheckpointException($"{source}: no text encoder description in its family state");
            var kind = (string?)o["kind"] switch
            {
                "cnn" => TextEncoderKind.Cnn,
                "gru" => TextEncoderKind.Gru,
                var k => throw new CheckpointException($"{source}: unknown text encoder kind '{k}'"),
            };
            return new TextEncoderConfig((long)o["vocabulary-size"]!, (int)o["embedding-dim"]!, (int)o["word-dim"]!, (int)o["hidden-dim"]!, kind);
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new CheckpointException($"{source}: damaged text encoder description ({e.Message})");
        }
    }
}

/// <summary>
/// A text encoder with its vocabulary, as every text-to-image checkpoint holds it: the network "T" (tensors "T.*") and
/// the family state keys "vocabulary" and "text-encoder". A text-encoder run, a gan-cls run or a stackgan run can all
/// give their encoder to another run (--text-encoder).
/// </summary>
public static class PretrainedTextEncoder
{
    public const string Network = "T";
    public const string VocabularyKey = "vocabulary";
    public const string ConfigKey = "text-encoder";

    /// <summary>The family-state entries that describe <paramref name="encoder"/> and its <paramref name="vocabulary"/>.</summary>
    public static void Describe(JsonObject state, TextEncoder encoder, Vocabulary vocabulary)
    {
        state[VocabularyKey] = JsonNode.Parse(vocabulary.ToJson());
        state[ConfigKey] = TextEncoderConfig.Of(encoder).ToJson();
    }

    /// <summary>Reads the vocabulary and encoder description from a family state.</summary>
    public static (Vocabulary Vocabulary, TextEncoderConfig Config) Read(JsonObject? state, string source)
    {
        if (state?[VocabularyKey] is not { } v)
            throw new CheckpointException($"{source} holds no text encoder (no vocabulary in its family state): pass a run of 'gansharp train text-encoder', gan-cls or stackgan");
        Vocabulary vocabulary;
        try { vocabulary = Vocabulary.FromJson(v.ToJsonString(), source); }
        catch (DataException e) { throw new CheckpointException(e.Message); }
        var config = TextEncoderConfig.FromJson(state[ConfigKey], source);
        if (config.VocabularySize != vocabulary.Count)
            throw new CheckpointException($"{source}: its text encoder reads {config.VocabularySize} words but its vocabulary has {vocabulary.Count}");
        return (vocabulary, config);
    }

    /// <summary>
    /// Loads the text encoder (eval mode) and vocabulary of a run directory (its latest checkpoint) or a checkpoint file.
    /// </summary>
    public static (TextEncoder Encoder, Vocabulary Vocabulary) Load(string runOrCheckpoint)
    {
        string path = RunDirectory.ResolveCheckpoint(runOrCheckpoint);
        var (header, tensors) = CheckpointFile.Load(path);
        try
        {
            var typed = CheckpointHeader.Parse(header, path);
            var (vocabulary, config) = Read(typed.FamilyState, path);
            var encoder = config.Build();
            Trainer.LoadModule(encoder, Network + ".", tensors);
            encoder.eval();
            return (encoder, vocabulary);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>One line unless two vocabularies give every word the same id.</summary>
    public static void CheckSame(Vocabulary encoder, Vocabulary data, string encoderSource, string dataName)
    {
        if (encoder.MaxLength != data.MaxLength || !encoder.Tokens.SequenceEqual(data.Tokens))
            throw new DataException($"the text encoder {encoderSource} was trained on another vocabulary ({encoder.Count} words) than '{dataName}' has ({data.Count} words): pretrain one on this data with 'gansharp train text-encoder --data {dataName}'");
    }
}

/// <summary>
/// What the text2img command and the caption metrics need of a text-conditioned model: its vocabulary, the text
/// embedding of token ids, and the side of the images it draws. <see cref="GanSystem.Generate"/> takes as condition
/// either token ids (int64 N×L, 0 = padding) or text embeddings (float N×E, e.g. interpolated ones).
/// </summary>
public interface ITextToImage
{
    Vocabulary Vocabulary { get; }

    /// <summary>φ(t) of token ids (int64 N×L) → N×E, without gradients.</summary>
    Tensor EncodeText(Tensor ids);

    /// <summary>The side of the images <see cref="GanSystem.Generate"/> returns now (StackGAN: the trained stage's).</summary>
    int OutputSize { get; }
}

/// <summary>Captioned data for the text-to-image families: the held-out captions of their progress grids.</summary>
public static class TextToImageData
{
    /// <summary>Caption rows of a progress grid (shapes: half from seen, half from held-out combinations).</summary>
    public const int GridRows = 8;

    /// <summary>The fields every text-to-image family reads from a batch.</summary>
    public static readonly string[] RequiredFields = [BatchFields.Image, BatchFields.Text, CaptionFields.Captions, CaptionFields.CaptionCount, CaptionFields.Attributes];

    /// <summary>
    /// <paramref name="count"/> held-out captioned examples for the progress grids: for shapes the first half from
    /// the "test" split (seen combinations), the second from the "heldout" split (unseen ones); for other captioned
    /// data the first of its test split; otherwise none (the grids then use training captions).
    /// </summary>
    public static TensorDataset? HeldOut(GanOptions o, Action<string>? log, int count = GridRows, string? cacheRoot = null)
    {
        DatasetOpenOptions Open(string split, int count) =>
            new() { DataDir = o.DataDir, Size = o.Size, Channels = o.Channels, Seed = o.Seed, Count = count, Split = split, CacheDir = cacheRoot };
        if (o.Data == "shapes")
        {
            using var seen = Datasets.Open("shapes", Open("test", count / 2), log);
            using var unseen = Datasets.Open("shapes", Open("heldout", count - count / 2), log);
            return Concat(seen, unseen, "shapes-grid");
        }
        if (o.Data is "mnist-captions" or "fashion-captions" or "caption-folder")
        {
            using var test = Datasets.Open(o.Data, Open("test", count), log);
            using var idx = arange(Math.Min(count, test.Count)); // cpu: data and evaluation on the CPU
            using var rows = Rows(test, idx, test.Name);
            return PadToPowerOfTwo(rows);
        }
        return null;
    }

    /// <summary>
    /// Square images whose side is not a power of two (28×28 captioned MNIST) padded with zeros (their black
    /// background) to the next power of two, as the DCGAN-style text-to-image networks take; other data as it is
    /// (the same object). A padded dataset has its own tensors (fields cloned) and shares the attachments.
    /// </summary>
    public static TensorDataset PadToPowerOfTwo(TensorDataset data)
    {
        if (!data.IsImage || data.ExampleShape.Length != 3) return data;
        long side = data.ExampleShape[1];
        if (side != data.ExampleShape[2] || (side & (side - 1)) == 0) return data;
        long target = 1L << (64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)side));
        long before = (target - side) / 2, after = target - side - before;
        var padded = nn.functional.pad(data.Data, new[] { before, after, before, after }, PaddingModes.Constant, 0);
        return new TensorDataset(data.Name, padded, data.Labels?.clone(), data.NumClasses,
            data.ExtraFields.ToDictionary(kv => kv.Key, kv => kv.Value.clone()), data.Attachments.ToDictionary(kv => kv.Key, kv => kv.Value));
    }

    static TensorDataset Concat(TensorDataset a, TensorDataset b, string name)
    {
        var fields = a.ExtraFields.Keys.ToDictionary(k => k, k => cat([a.ExtraFields[k], b.ExtraFields[k]], 0));
        return new TensorDataset(name, cat([a.Data, b.Data], 0), fields: fields, attachments: a.Attachments.ToDictionary(kv => kv.Key, kv => kv.Value));
    }

    /// <summary>The rows <paramref name="idx"/> of a dataset as a new dataset (own tensors, shared attachments).</summary>
    public static TensorDataset Rows(TensorDataset d, Tensor idx, string name) =>
        new(name, d.Data.index_select(0, idx), d.Labels?.index_select(0, idx), d.NumClasses,
            d.ExtraFields.ToDictionary(kv => kv.Key, kv => kv.Value.index_select(0, idx)),
            d.Attachments.ToDictionary(kv => kv.Key, kv => kv.Value));
}
