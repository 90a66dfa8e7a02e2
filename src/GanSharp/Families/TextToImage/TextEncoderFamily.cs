using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Losses;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// Pretrains the text encoder of GAN-CLS and StackGAN on the engine: `gansharp train text-encoder --data shapes`.
/// A <see cref="TextEncoder"/> "T" and an <see cref="ImageEncoder"/> "I" learn a joint embedding with Reed et al.
/// 2016a's structured joint embedding loss (<see cref="JointEmbeddingLoss"/>): each image must score its own caption
/// above the other captions of the batch, and each caption its own image. One optimizer group "E" over both, one
/// phase "embed" per step (loss_embed, and embed_top1: the share of images whose own caption scores first in the
/// batch). The vocabulary is the data's and is kept in the checkpoint. The progress grid is a retrieval grid: each
/// row is a held-out caption, its own image, then the held-out images that caption retrieves, best first.
/// </summary>
public sealed class TextEncoderFamily : IGanFamily
{
    /// <summary>Runs on any --device (docs/scale.md).</summary>
    public bool RunsOnAnyDevice => true;

    public const string ModelName = "text-encoder";
    public const string ArchName = "joint-embedding";
    public static readonly string[] Kinds = ["cnn", "gru"];

    /// <summary>Held-out images the progress grid retrieves from.</summary>
    public const int RetrievalPool = 64;

    public string Name => ModelName;
    public string Description => "text encoder pretraining for gan-cls/stackgan: joint text-image embedding (Reed et al. 2016a)";
    public IReadOnlyList<string> RequiredFields => [BatchFields.Image, CaptionFields.Captions, CaptionFields.CaptionCount];
    public IReadOnlyList<(string Name, string Description)> Architectures => new[]
    {
        (ArchName, "joint embedding: word CNN (or GRU) text encoder and a strided-conv image encoder into one space; power-of-two images ≥ 8"),
    };
    public bool NeedsHeldOut => true;
    public int DefaultThreads(GanOptions options) => 1;

    public IReadOnlyList<OptionSpec> Options => new[]
    {
        OptionSpec.Of("embedding-dim", 128, "text-encoder/gan-cls/stackgan: width of the text embedding φ(t) (default 128)"),
        OptionSpec.Of("text-kind", "cnn", "text-encoder: cnn (word convolutions, max over time; default) or gru (a GRU read at the last word)", Kinds),
        OptionSpec.Of("word-dim", 64, "text-encoder: width of the word embeddings (default 64)"),
        OptionSpec.Of("hidden-dim", 128, "text-encoder: width of the text encoder's hidden layers (default 128)"),
        OptionSpec.Of("margin", 1.0, "text-encoder: margin of the joint embedding hinge (default 1)"),
        OptionSpec.Of("attribute-weight", 10.0, "text-encoder: weight of an auxiliary loss that predicts every attribute (or the label) from both embeddings, so colour and shape stay readable; 0: off (default 10)"),
        OptionSpec.Of("hard-negatives", true, "text-encoder: extend each batch by, per image, a data image whose attributes differ in exactly one (colour, shape, ...), with its captions, so the embedding must separate every attribute (default on)"),
    };

    public IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; } = new Dictionary<string, (string, string)>
    {
        ["text-encoder-shapes32"] = ("text encoder for captioned shapes at 32 px: 20,000 images, batch 64, Adam 2e-3 (β 0.9, 0.999), 1500 steps",
            """{"model":"text-encoder","data":"shapes","size":32,"data-count":20000,"batch":64,"lr-g":2e-3,"betas-g":[0.9,0.999],"steps":1500,"sample-every":500,"checkpoint-every":500,"sample-count":64,"log-every":10}"""),
    };

    public string? DefaultPreset(string? data, string? arch) => data is null or "shapes" ? "text-encoder-shapes32" : null;

    public string ResolveArch(GanOptions options, long[] exampleShape)
    {
        if (exampleShape.Length != 3 || exampleShape[1] != exampleShape[2] || exampleShape[1] < 8 || (exampleShape[1] & (exampleShape[1] - 1)) != 0)
            throw new ArgumentException($"the text-encoder model needs square images whose side is a power of two ≥ 8, but '{options.Data}' has examples of shape [{string.Join("×", exampleShape)}]");
        if (options.Augment != "none" || options.Mirror) throw new ArgumentException("--augment and --mirror are not available for text-encoder (captions name colours, left and right)");
        if (options.EvalEvery > 0) throw new ArgumentException("--eval-every is not available for text-encoder (it draws no images)");
        if (options.Ema > 0) throw new ArgumentException("--ema is not available for text-encoder");
        foreach (var key in new[] { "embedding-dim", "word-dim", "hidden-dim" })
            if (options.Get<int>(key) < 1) throw new ArgumentException($"--{key} must be positive");
        if (!(options.Get<double>("attribute-weight") >= 0)) throw new ArgumentException("--attribute-weight must be ≥ 0");
        return ArchName;
    }

    public (TensorDataset Train, TensorDataset? HeldOut) AdaptData(TensorDataset data, GanOptions options, Action<string>? log)
    {
        CaptionFields.VocabularyOf(data);
        return (TextToImageData.PadToPowerOfTwo(data), TextToImageData.HeldOut(options, log, RetrievalPool));
    }

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        ResolveArch(options, exampleShape);
        manual_seed(options.Seed);
        return new TextEncoderSystem(options, exampleShape);
    }
}

/// <summary>The joint embedding's networks and phase (see <see cref="TextEncoderFamily"/>).</summary>
public sealed class TextEncoderSystem : GanSystem
{
    private Vocabulary? _vocabulary;
    private Tensor? _pool, _gridText, _gridOwn;
    private TensorDataset? _data;
    private HardNegativeSampler? _hard;
    private long[]? _attributeClasses;

    private void ReplaceHeads(long[] classes) => ReplaceNetworks(new Dictionary<string, nn.Module>
    {
        [TextHeads] = new AttributeHeads(EmbeddingDim, classes),
        [ImageHeads] = new AttributeHeads(EmbeddingDim, classes),
    });

    public TextEncoderSystem(GanOptions options, long[] shape) : base(options, shape)
    {
        EmbeddingDim = options.Get<int>("embedding-dim");
        Kind = options.Get<string>("text-kind") == "gru" ? TextEncoderKind.Gru : TextEncoderKind.Cnn;
        Margin = options.Get<double>("margin");
        HardNegatives = options.Get<bool>("hard-negatives");
        AttributeWeight = options.Get<double>("attribute-weight");
        AddNetwork("I", new ImageEncoder((int)shape[1], (int)shape[0], EmbeddingDim));
        AddNetwork(PretrainedTextEncoder.Network, Build(2));   // sized for the vocabulary in Attach or RestoreFamilyState
        if (AttributeWeight > 0)
        {
            // sized for the data's attribute columns in Attach or RestoreFamilyState
            AddNetwork(TextHeads, new AttributeHeads(EmbeddingDim, [2]));
            AddNetwork(ImageHeads, new AttributeHeads(EmbeddingDim, [2]));
        }
    }

    public int EmbeddingDim { get; }
    public TextEncoderKind Kind { get; }
    public double Margin { get; }
    public bool HardNegatives { get; }
    public double AttributeWeight { get; }

    /// <summary>The auxiliary attribute classifiers on the text and the image embedding (with --attribute-weight > 0).</summary>
    public const string TextHeads = "Ht", ImageHeads = "Hi";

    public Vocabulary Vocabulary => _vocabulary ?? throw new InvalidOperationException("no data attached and no checkpoint restored");
    public TextEncoder Text => (TextEncoder)Network(PretrainedTextEncoder.Network);
    public ImageEncoder Image => (ImageEncoder)Network("I");

    private TextEncoder Build(long vocabularySize) => new(vocabularySize, EmbeddingDim, Options.Get<int>("word-dim"), Options.Get<int>("hidden-dim"), Kind);

    public override IReadOnlyList<OptimizerGroup> OptimizerGroups() => new[]
    {
        new OptimizerGroup("E", AttributeWeight > 0 ? new[] { PretrainedTextEncoder.Network, "I", TextHeads, ImageHeads } : new[] { PretrainedTextEncoder.Network, "I" },
            Options.Optimizer, Options.LrG, Options.BetasG),
    };

    public override string? EmaNetwork => null;

    protected override IReadOnlyList<Phase> BuildPhases() => new[] { new Phase("embed", "E", ctx => EmbeddingLoss(ctx.Batch, ctx.Rng)) };

    /// <summary>
    /// The joint embedding loss of one caption per image (drawn from its captions) against the batch's images; pairs
    /// with equal attributes (or labels) are not negatives. With hard negatives (the default) the batch is first
    /// extended by each image's one-attribute neighbour (<see cref="JointEmbeddingBatch"/>). Logs embed_top1 (of the
    /// drawn images, against every text of the extended batch) and, with hard negatives, embed_hard_top1.
    /// </summary>
    public LossResult EmbeddingLoss(Batch batch, Generator rng)
    {
        var b = JointEmbeddingBatch.Of(batch.Real, batch[CaptionFields.Captions], batch[CaptionFields.CaptionCount],
            batch.Has(CaptionFields.Attributes) ? batch[CaptionFields.Attributes] : null, batch.Labels,
            HardNegatives ? _data : null, HardNegatives ? _hard : null, rng, Device);
        var (ids, mask) = CaptionFields.Trim(CaptionFields.PickCaption(b.Captions, b.Counts, rng));
        var text = Text.call(ids, mask);
        var image = Image.call(b.Images);
        long n = batch.Size;
        var same = JointEmbeddingLoss.SamePairs(b.Attributes, b.Labels, b.Images.shape[0], Device);
        var scores = JointEmbeddingLoss.Compatibility(image, text);
        var loss = JointEmbeddingLoss.FromScores(scores, Margin, same);
        var logged = new Dictionary<string, Tensor>();
        if (AttributeWeight > 0 && (b.Attributes ?? b.Labels) is { } key)
        {
            var textAttributes = ((AttributeHeads)Network(TextHeads)).Loss(text, key);
            var imageAttributes = ((AttributeHeads)Network(ImageHeads)).Loss(image, key);
            logged["loss_hinge"] = loss.detach();
            logged["attr_text"] = textAttributes.detach();
            logged["attr_image"] = imageAttributes.detach();
            loss = loss.add(textAttributes.add(imageAttributes).mul(AttributeWeight));
        }
        using (no_grad())
        {
            var others = scores.masked_fill(same, float.NegativeInfinity).narrow(0, 0, n).amax(new long[] { 1 });   // best text of another description
            logged["embed_top1"] = scores.diag().narrow(0, 0, n).gt(others).to_type(ScalarType.Float32).mean();
            if (b.Found is not null) logged["embed_hard_top1"] = b.HardTop1(scores, n);
        }
        return new LossResult(loss) { Logged = logged };
    }

    public override string? JointLossesUnsupported() => "the text-encoder family has one phase";

    // ---- data, state and the retrieval grid ---------------------------------------------------------------------

    /// <summary>Sizes the text encoder for the data's vocabulary (a fresh run) or checks it (a resumed one).</summary>
    public override void Attach(TensorDataset data)
    {
        var vocabulary = CaptionFields.VocabularyOf(data);
        if (_vocabulary is { } saved) PretrainedTextEncoder.CheckSame(saved, vocabulary, "of this run", data.Name);
        else if (Text.VocabularySize != vocabulary.Count)
            ReplaceNetworks(new Dictionary<string, nn.Module> { [PretrainedTextEncoder.Network] = Build(vocabulary.Count) });
        _vocabulary = vocabulary;
        _data = data;
        if (HardNegatives) _hard = HardNegativeSampler.For(data);
        if (AttributeWeight > 0)
        {
            var classes = AttributeHeads.ClassesOf(data)
                ?? throw new DataException($"--attribute-weight needs data with attributes or labels; {data.Name} has neither (pass --attribute-weight 0)");
            var heads = (AttributeHeads)Network(TextHeads);
            if (_attributeClasses is { } trained && !trained.SequenceEqual(classes))
                throw new DataException($"{data.Name} has attribute classes [{string.Join(", ", classes)}], the run was trained on [{string.Join(", ", trained)}]");
            if (!heads.Classes.SequenceEqual(classes)) ReplaceHeads(classes);
            _attributeClasses = classes;
        }
        if (_pool is null) UsePool(data);
    }

    public override void AttachHeldOut(TensorDataset heldOut) => UsePool(heldOut);

    private void UsePool(TensorDataset data)
    {
        _pool?.Dispose();
        _gridText?.Dispose();
        _gridOwn?.Dispose();
        using var scope = NewDisposeScope();
        long n = Math.Min(TextEncoderFamily.RetrievalPool, data.Count);
        _pool = data.Gather(arange(n)).On(Device).MoveToOuterDisposeScope();   // cpu: indices into the CPU data set; the pool lives where the encoders run
        long rows = Math.Min(TextToImageData.GridRows, n);
        var own = arange(rows).mul(n / rows);                                   // cpu: indices into the CPU data set, spread over the pool (shapes: seen, then unseen)
        _gridOwn = own.On(Device).MoveToOuterDisposeScope();
        _gridText = data.ExtraFields[BatchFields.Text].index_select(0, own).On(Device).MoveToOuterDisposeScope();
    }

    public override Tensor SampleLatent(long n, Generator? generator) => zeros(n, 1, device: Device);

    public override Tensor? SampleCondition(long n, Generator? generator) => null;

    public override Tensor? GridCondition(long n) => _gridText?.clone();

    public override int? GridColumns(long n) => _gridText is null ? null : (int)Math.Min(8, _pool!.shape[0]);

    public override IReadOnlyList<string>? GridRowLabels(long n)
    {
        if (_gridText is null || _vocabulary is null) return null;
        int l = (int)_gridText.shape[1];
        var ids = _gridText.OnCpu().contiguous().data<long>().ToArray();
        return Enumerable.Range(0, (int)_gridText.shape[0]).Select(r => $"{_vocabulary.Decode(ids.Skip(r * l).Take(l))}  (first image: its own; then retrieved, best first)").ToList();
    }

    /// <summary>
    /// The retrieval grid: for each caption (token ids), the pool images whose embeddings score highest (cosine), best
    /// first, <see cref="GridColumns"/> − 1 per caption. The encoders run in eval mode.
    /// </summary>
    public override Tensor Generate(Tensor z, Tensor? condition = null)
    {
        if (condition is null || _pool is null)
            throw new ArgumentException("the text-encoder model draws no images: train gan-cls or stackgan with --text-encoder on this run");
        bool imageTraining = Image.training, textTraining = Text.training;
        Image.eval();
        Text.eval();
        try
        {
            using var _ = no_grad();
            int k = (int)Math.Min(8, _pool.shape[0]) - 1;
            var text = nn.functional.normalize(Text.call(condition, condition.ne(Vocabulary.PadId)), dim: 1);     // R×E
            var pool = nn.functional.normalize(Image.call(_pool), dim: 1);                                    // P×E
            var best = text.mm(pool.t()).topk(k, dim: 1).indexes;                                               // R×k
            return _pool.index_select(0, best.flatten());
        }
        finally
        {
            if (imageTraining) Image.train();
            if (textTraining) Text.train();
        }
    }

    /// <summary>Each row: the caption's own image, then the retrieved ones.</summary>
    public override Tensor GridImages(Tensor samples, Tensor? condition)
    {
        if (_gridOwn is null || _pool is null) return samples;
        long rows = _gridOwn.shape[0];
        var own = _pool.index_select(0, _gridOwn).unsqueeze(1);                                              // R×1×C×H×W
        var retrieved = samples.view(rows, -1, samples.shape[1], samples.shape[2], samples.shape[3]);        // R×k×C×H×W
        return cat([own, retrieved], 1).flatten(0, 1);
    }

    public override JsonObject? CaptureFamilyState()
    {
        var state = new JsonObject();
        PretrainedTextEncoder.Describe(state, Text, Vocabulary);
        if (_attributeClasses is not null) state["attribute-classes"] = new JsonArray(_attributeClasses.Select(k => (JsonNode)k).ToArray());
        return state;
    }

    public override void RestoreFamilyState(JsonObject? state, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var (vocabulary, config) = PretrainedTextEncoder.Read(state, "checkpoint");
        if (TextEncoderConfig.Of(Text) != config)
            ReplaceNetworks(new Dictionary<string, nn.Module> { [PretrainedTextEncoder.Network] = config.Build() });
        _vocabulary = vocabulary;
        if (AttributeWeight > 0 && state?["attribute-classes"] is JsonArray saved)
        {
            _attributeClasses = saved.Select(k => k!.GetValue<long>()).ToArray();
            if (!((AttributeHeads)Network(TextHeads)).Classes.SequenceEqual(_attributeClasses)) ReplaceHeads(_attributeClasses);
        }
    }

    public override void Dispose()
    {
        _pool?.Dispose();
        _gridText?.Dispose();
        _gridOwn?.Dispose();
        base.Dispose();
    }
}
