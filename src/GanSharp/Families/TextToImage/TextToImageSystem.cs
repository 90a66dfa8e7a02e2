using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Losses;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// What GAN-CLS and StackGAN share: a text encoder "T" (pretrained by the text-encoder family, frozen unless tuned)
/// with its vocabulary, one caption per image drawn each step from the image's captions, the wrong-text sampler of
/// the matching-aware discriminator, and progress grids of fixed held-out captions (samples/rows.txt names them).
/// The text encoder comes from --text-encoder when that checkpoint exists; otherwise (sampling or resuming a run
/// whose encoder moved) it is rebuilt from the run's own checkpoint, which holds its weights, description and
/// vocabulary.
/// </summary>
public abstract class TextToImageSystem : GanSystem, ITextToImage
{
    private Vocabulary? _vocabulary;
    private readonly string _encoderSource;
    private WrongTextSampler? _wrong;
    private Tensor? _gridText;               // GridRows × L caption ids of the progress grid
    private Tensor? _captions, _captionCounts; // training captions, for SampleCondition

    protected TextToImageSystem(GanOptions options, long[] shape, string encoderSource, bool tuneEncoder) : base(options, shape)
    {
        _encoderSource = encoderSource;
        TuneTextEncoder = tuneEncoder;
        TextEncoder encoder;
        if (encoderSource != "" && (File.Exists(encoderSource) || Directory.Exists(encoderSource)))
        {
            (encoder, _vocabulary) = PretrainedTextEncoder.Load(encoderSource);
            int dim = options.Get<int>("embedding-dim");
            if (encoder.EmbeddingDim != dim)
                throw new ArgumentException($"the text encoder {encoderSource} embeds captions in {encoder.EmbeddingDim} values, but --embedding-dim is {dim}: pass --embedding-dim {encoder.EmbeddingDim}");
        }
        else encoder = new TextEncoder(2, options.Get<int>("embedding-dim"));   // rebuilt from the checkpoint (RestoreFamilyState)
        AddNetwork(PretrainedTextEncoder.Network, encoder, trainable: tuneEncoder);
        EmbeddingDim = options.Get<int>("embedding-dim");
    }

    public int EmbeddingDim { get; }
    public bool TuneTextEncoder { get; }

    public Vocabulary Vocabulary => _vocabulary
        ?? throw new InvalidOperationException($"the text encoder {_encoderSource} was not found and no checkpoint was restored");

    public TextEncoder Text => (TextEncoder)Network(PretrainedTextEncoder.Network);

    public abstract int OutputSize { get; }

    /// <summary>φ(t) of token ids (int64 N×L, 0 = padding): with gradients only when the encoder is tuned and in training.</summary>
    protected Tensor Embed(Tensor ids)
    {
        var mask = ids.ne(Vocabulary.PadId);
        if (TuneTextEncoder && Text.training) return Text.call(ids, mask);
        using var _ = no_grad();
        return Text.call(ids, mask);
    }

    public Tensor EncodeText(Tensor ids)
    {
        using var _ = no_grad();
        return Text.call(ids, ids.ne(Vocabulary.PadId));
    }

    /// <summary>The condition of <see cref="GanSystem.Generate"/> as text embeddings: token ids are encoded, embeddings pass.</summary>
    protected Tensor EmbeddingOf(Tensor? condition)
    {
        if (condition is null)
            throw new ArgumentException($"the {Options.Model} model draws images from captions: use 'gansharp text2img --checkpoint RUN \"a small red circle at the top left\"'");
        return condition.dtype == ScalarType.Int64 ? EncodeText(condition) : condition;
    }

    /// <summary>One caption per image of the batch, drawn from its captions with the training generator; cut to the longest.</summary>
    protected static Tensor RightText(Batch batch, Generator rng) =>
        CaptionFields.Trim(CaptionFields.PickCaption(batch[CaptionFields.Captions], batch[CaptionFields.CaptionCount], rng)).Text;

    /// <summary>For each image of the batch, a caption of an image whose attributes differ (Reed et al.'s wrong text).</summary>
    /// With --hard-wrong-text P, a share P of them (of the images that have one) is a caption of an image that differs
    /// in exactly one attribute.
    protected Tensor WrongText(Batch batch, Generator rng) =>
        CaptionFields.Trim((_wrong ?? throw new InvalidOperationException("no training data attached"))
            .SampleCaptionsFor(batch[CaptionFields.Attributes], rng, _hard, HardWrongShare)).Text.On(Device);   // drawn from the CPU caption pool

    /// <summary>--hard-wrong-text: the share of wrong texts drawn from one-attribute neighbours (0: none, Reed et al.'s draw).</summary>
    public double HardWrongShare => Options.Get<double>(HardWrongTextOption);

    public const string HardWrongTextOption = "hard-wrong-text";

    /// <summary>The option, declared by gan-cls and stackgan.</summary>
    public static OptionSpec HardWrongTextSpec => OptionSpec.Of(HardWrongTextOption, 0.0,
        "gan-cls/stackgan: share of D's wrong texts drawn from images that differ in exactly one attribute (colour, shape, ...) instead of any other attributes; 0 (default): Reed et al.'s draw");

    private HardNegativeSampler? _hard;

    public const string DNormOption = "d-norm";

    /// <summary>The option, declared by gan-cls and stackgan.</summary>
    public static OptionSpec DNormSpec => OptionSpec.Of(DNormOption, "batch",
        "gan-cls/stackgan: the matching-aware D's normalization: batch (default, the paper's BatchNorm, all pairs scored in one batch), layer (each image on its own: GroupNorm of one group) or none (use with --r1, e.g. 1). BatchNorm over a batch of real and fake pairs stalls G on flat-coloured data (docs/text-to-image.md)",
        MatchingAwareDiscriminator.Norms);

    /// <summary>--d-norm: batch, layer or none.</summary>
    public string DNorm => Options.Get<string>(DNormOption);

    // ---- the auxiliary attribute classifier on D's image features (--aux-attributes; TAC-GAN) ---------------

    public const string AuxAttributesOption = "aux-attributes";

    /// <summary>The option, declared by gan-cls and stackgan.</summary>
    public static OptionSpec AuxAttributesSpec => OptionSpec.Of(AuxAttributesOption, 0.0,
        "gan-cls/stackgan: weight W of an auxiliary attribute classifier on D's image features (TAC-GAN, Dash et al. 2017): D adds W × its cross-entropy on real images against their attributes (on CUB-style data, the class), G adds W × its cross-entropy on G(z, text) against the caption's; 0 (default): off");

    public const string AuxFakeClassOption = "aux-fake-class";

    /// <summary>The option, declared by gan-cls and stackgan.</summary>
    public static OptionSpec AuxFakeClassSpec => OptionSpec.Of(AuxFakeClassOption, false,
        "gan-cls/stackgan: with --aux-attributes, each attribute head gets one more class, 'generated', that D's heads learn for G's images (a K + 1 classifier per attribute, as the semi-supervised GAN's D), so that G must look real to be read as the caption's value");

    public const string AuxOnFakesOption = "aux-on-fakes";

    /// <summary>The option, declared by gan-cls and stackgan.</summary>
    public static OptionSpec AuxOnFakesSpec => OptionSpec.Of(AuxOnFakesOption, false,
        "gan-cls/stackgan: with --aux-attributes, D's heads also learn G's images with the attributes of their captions (AC-GAN's and TAC-GAN's own D term; default: real images only)");

    /// <summary>--aux-on-fakes: D's heads also learn G's images as their captions' attributes (AC-GAN / TAC-GAN).</summary>
    public bool AuxOnFakes => Options.Get<bool>(AuxOnFakesOption);

    /// <summary>--aux-fake-class: the heads have a "generated" class per column, D's target for G's images.</summary>
    public bool AuxFakeClass => Options.Get<bool>(AuxFakeClassOption);

    private readonly List<string> _auxHeads = new();
    private long[]? _auxClasses;

    /// <summary>--aux-attributes W (0: no heads).</summary>
    public double AuxWeight => Options.Get<double>(AuxAttributesOption);

    /// <summary>
    /// Adds a network of <see cref="AttributeHeads"/> over D's flattened image features (<paramref name="featureLength"/>
    /// values), sized for the data's attribute columns when data is attached or a checkpoint restored. Put it in its
    /// D's optimizer group (and in the G phases' Freeze and ZeroAfter): it is part of that D.
    /// </summary>
    protected void AddAttributeHeads(string name, int featureLength)
    {
        AddNetwork(name, new AttributeHeads(featureLength, [2]));
        _auxHeads.Add(name);
    }

    private void SizeAttributeHeads(long[] classes)
    {
        var replaced = new Dictionary<string, nn.Module>();
        var headClasses = AuxFakeClass ? classes.Select(k => k + 1).ToArray() : classes;   // class k of column c: "generated"
        foreach (var name in _auxHeads)
        {
            var heads = (AttributeHeads)Network(name);
            if (!heads.Classes.SequenceEqual(headClasses)) replaced[name] = new AttributeHeads(heads.EmbeddingDim, headClasses);
        }
        if (replaced.Count > 0) ReplaceNetworks(replaced);
        _auxClasses = classes;
    }

    /// <summary>
    /// The heads' mean cross-entropy over the attribute columns (<see cref="AttributeHeads.Loss"/>) of the image
    /// features against <paramref name="attributes"/>, and the mean accuracy over the columns (detached).
    /// </summary>
    public (Tensor Loss, Tensor Accuracy) AttributeLoss(string heads, Tensor features, Tensor attributes)
    {
        var h = (AttributeHeads)Network(heads);
        var logits = h.call(features);
        return (AttributeHeads.LossOfLogits(logits, attributes, h.Classes), AttributeHeads.AccuracyOfLogits(logits.detach(), attributes, h.Classes));
    }

    /// <summary>
    /// D's loss plus W × the heads' cross-entropy on real images (<paramref name="realFeatures"/>) against the batch's
    /// attributes, logged as loss_aux_<paramref name="suffix"/> (unweighted) and <paramref name="accuracyName"/>. With
    /// --aux-fake-class, plus W × their cross-entropy on G's images (<paramref name="fakeFeatures"/>) against the
    /// "generated" class of every column the caption has; with --aux-on-fakes, against the caption's attributes
    /// (AC-GAN); either logged as loss_aux_<paramref name="suffix"/>_fake.
    /// </summary>
    protected LossResult WithRealAttributeLoss(LossResult result, string heads, Tensor realFeatures, Tensor fakeFeatures, Batch batch, string suffix, string accuracyName)
    {
        var attributes = batch[CaptionFields.Attributes];
        var (aux, accuracy) = AttributeLoss(heads, realFeatures, attributes);
        var logged = new Dictionary<string, Tensor>(result.Logged) { [$"loss_aux_{suffix}"] = aux.detach(), [accuracyName] = accuracy };
        if (AuxFakeClass || AuxOnFakes)
        {
            var h = (AttributeHeads)Network(heads);
            var fake = AttributeHeads.LossOfLogits(h.call(fakeFeatures), AuxFakeClass ? GeneratedTargets(attributes) : attributes, h.Classes);
            logged[$"loss_aux_{suffix}_fake"] = fake.detach();
            aux = aux.add(fake);
        }
        return result with { Loss = result.Loss.add(aux.mul(AuxWeight)), Logged = logged };
    }

    /// <summary>
    /// True on the steps where D's phase adds the R1 penalty (--r1 γ &gt; 0, every --r1-every steps).
    /// </summary>
    protected bool R1Due(int step) => Loss.R1 > 0 && step % Loss.R1Every == 0;

    /// <summary>
    /// The real images as D's phase feeds them: a fresh leaf that records gradients on the steps where R1 is due
    /// (so <see cref="WithR1"/> can take ∇ₓ s_r), the images themselves otherwise.
    /// </summary>
    protected Tensor RealInput(Tensor real, int step) => R1Due(step) ? real.detach().requires_grad_(true) : real;

    /// <summary>
    /// R1 (Mescheder et al. 2018) for the matching-aware D: D's loss + γ/2 · N · E‖∇ₓ s_r(x, t)‖², the gradient of the
    /// {real, right text} logits with respect to the real images (N = --r1-every, the lazy scaling), logged as
    /// loss_r1 (loss_PREFIX_r1 for a second D). It keeps D's surface flat on the data, which the flat-coloured
    /// captioned shapes need: without it D wins at once and G stays on a checkerboard texture
    /// (docs/text-to-image.md, "R1 on the matching-aware D"). No-op unless <paramref name="real"/> came from
    /// <see cref="RealInput"/> on a step where R1 is due.
    /// </summary>
    protected LossResult WithR1(LossResult result, Tensor realRightLogits, Tensor real, string prefix)
    {
        if (!real.requires_grad) return result;
        var penalty = Penalties.R1(realRightLogits, real);     // the same R1 as every other family's, on the pairs' shared pass
        var logged = new Dictionary<string, Tensor>(result.Logged) { [prefix == "d" ? "loss_r1" : $"loss_{prefix}_r1"] = penalty.detach() };
        return result with { Loss = result.Loss.add(penalty.mul(Loss.R1 / 2 * Loss.R1Every)), Logged = logged };
    }

    /// <summary>Per column, the heads' "generated" class (the data's class count), −1 where the attribute is absent.</summary>
    public Tensor GeneratedTargets(Tensor attributes)
    {
        var classes = _auxClasses ?? throw new InvalidOperationException("the attribute heads are not sized yet (no data attached, no checkpoint restored)");
        using var generated = tensor(classes, device: attributes.device);
        return where(attributes.eq(-1), attributes, generated.unsqueeze(0).expand_as(attributes));
    }

    /// <summary>
    /// D's matching-aware loss on logits (Reed et al. 2016, Algorithm 1), with each pair's own loss and mean
    /// probability logged: loss_PREFIX_real / _wrong / _fake (−log s_r, −log(1 − s_w), −log(1 − s_f)) and
    /// PREFIX_real, PREFIX_wrong, PREFIX_fake (mean s). <paramref name="wrong"/> null: the plain conditional GAN.
    /// </summary>
    public static LossResult MatchingAware(Tensor real, Tensor? wrong, Tensor fake, string prefix)
    {
        var r = TextToImageLosses.Discriminator(real, wrong, fake);
        var logged = new Dictionary<string, Tensor>
        {
            [$"loss_{prefix}_real"] = nn.functional.softplus(real.neg()).mean().detach(),
            [$"loss_{prefix}_fake"] = nn.functional.softplus(fake).mean().detach(),
        };
        if (wrong is not null) logged[$"loss_{prefix}_wrong"] = nn.functional.softplus(wrong).mean().detach();
        if (prefix != "d")    // the engine logs the "D" group's d_real and d_fake from DReal and DFake
        {
            logged[$"{prefix}_real"] = r.RealRight;
            logged[$"{prefix}_fake"] = r.FakeRight;
        }
        if (r.RealWrong is not null) logged[$"{prefix}_wrong"] = r.RealWrong;
        return new LossResult(r.Loss, r.RealRight, r.FakeRight) { Logged = logged };
    }

    public override string? JointLossesUnsupported() => $"the {Options.Model} family has its own losses";

    // ---- data, grids and state ------------------------------------------------------------------------------

    public override void Attach(TensorDataset data)
    {
        if (_vocabulary is { } v && data.Attachments.ContainsKey(CaptionFields.VocabularyKey))
            PretrainedTextEncoder.CheckSame(v, CaptionFields.VocabularyOf(data), _encoderSource, data.Name);
        _wrong = WrongTextSampler.For(data);
        if (HardWrongShare > 0) _hard = HardNegativeSampler.For(data);
        if (_auxHeads.Count > 0)
        {
            var classes = AttributeHeads.ClassesOf(data)
                ?? throw new DataException($"--{AuxAttributesOption} needs data with attribute columns or labels; {data.Name} has neither (pass --{AuxAttributesOption} 0)");
            if (_auxClasses is { } trained && !trained.SequenceEqual(classes))
                throw new DataException($"{data.Name} has attribute classes [{string.Join(", ", classes)}], the run's attribute heads were trained on [{string.Join(", ", trained)}]");
            SizeAttributeHeads(classes);
        }
        _captions = data.ExtraFields[CaptionFields.Captions];
        _captionCounts = data.ExtraFields[CaptionFields.CaptionCount];
        if (_gridText is null)
        {
            using var idx = arange(Math.Min(TextToImageData.GridRows, data.Count)); // cpu: indices into the CPU data set
            _gridText = data.ExtraFields[BatchFields.Text].index_select(0, idx).On(Device).DetachFromDisposeScope();   // grids run where G does
        }
    }

    public override void AttachHeldOut(TensorDataset heldOut)
    {
        if (!heldOut.ExtraFields.TryGetValue(BatchFields.Text, out var text))
            throw new DataException($"the held-out data '{heldOut.Name}' has no captions");
        using var idx = arange(Math.Min(TextToImageData.GridRows, heldOut.Count)); // cpu: indices into the CPU held-out set
        _gridText?.Dispose();
        _gridText = text.index_select(0, idx).On(Device).DetachFromDisposeScope();
    }

    public override void BeforeStep(int step)
    {
        // A fresh run whose --text-encoder was missing reaches here without an encoder (a resumed run has restored one).
        _ = Vocabulary;
    }

    /// <summary>Random training captions (one per sample) while training data is attached; sampling from a checkpoint needs captions.</summary>
    public override Tensor? SampleCondition(long n, Generator? generator)
    {
        if (_captions is null || _captionCounts is null) return null;   // Generate then says to use text2img
        using var scope = NewDisposeScope();
        var idx = randint(0, _captions.shape[0], new[] { n }, generator: generator); // cpu: indices into the CPU caption pool
        return CaptionFields.PickCaption(_captions.index_select(0, idx), _captionCounts.index_select(0, idx), generator).Text.On(Device).MoveToOuterDisposeScope();
    }

    /// <summary>Columns per caption row of the progress grid.</summary>
    protected virtual int ColumnsPerCaption(long n) => (int)Math.Max(1, n / Math.Max(1, _gridText?.shape[0] ?? 1));

    /// <summary>Row i of the grid draws held-out caption i.</summary>
    public override Tensor? GridCondition(long n)
    {
        if (_gridText is null) return null;
        return _gridText.repeat_interleave(ColumnsPerCaption(n), 0);
    }

    public override int? GridColumns(long n) => _gridText is null ? null : ColumnsPerCaption(n);

    public override IReadOnlyList<string>? GridRowLabels(long n)
    {
        if (_gridText is null || _vocabulary is null) return null;
        var ids = _gridText.OnCpu().contiguous().data<long>().ToArray();
        int l = (int)_gridText.shape[1];
        return Enumerable.Range(0, (int)_gridText.shape[0]).Select(r => _vocabulary.Decode(ids.Skip(r * l).Take(l))).ToList();
    }

    public override JsonObject? CaptureFamilyState()
    {
        var state = new JsonObject();
        PretrainedTextEncoder.Describe(state, Text, Vocabulary);
        if (_auxClasses is not null) state["aux-classes"] = new JsonArray(_auxClasses.Select(k => (JsonNode)k).ToArray());
        return state;
    }

    /// <summary>Rebuilds the text encoder to the checkpoint's description (its weights are loaded next) and takes its vocabulary.</summary>
    public override void RestoreFamilyState(JsonObject? state, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var (vocabulary, config) = PretrainedTextEncoder.Read(state, "checkpoint");
        if (config.EmbeddingDim != EmbeddingDim)
            throw new CheckpointException($"checkpoint's text encoder embeds in {config.EmbeddingDim} values, the options say {EmbeddingDim}");
        if (TextEncoderConfig.Of(Text) != config)
            ReplaceNetworks(new Dictionary<string, nn.Module> { [PretrainedTextEncoder.Network] = config.Build() });
        _vocabulary = vocabulary;
        if (_auxHeads.Count > 0)
        {
            if (state?["aux-classes"] is not JsonArray saved)
                throw new CheckpointException($"the checkpoint has no attribute heads (it was trained without --{AuxAttributesOption}): resume it with --{AuxAttributesOption} 0");
            SizeAttributeHeads(saved.Select(k => k!.GetValue<long>()).ToArray());
        }
    }

    public override void Dispose()
    {
        _gridText?.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// The options a text-to-image family cannot honour (its D takes text and its losses are the matching-aware
    /// ones), each refused in one line, and the text encoder it needs.
    /// </summary>
    public static void RefuseUnsupported(GanOptions o, bool needsEncoder = true)
    {
        string m = o.Model;
        string? why =
            o.Loss != LossKind.Gan ? $"--loss {o.Loss.ToString().ToLowerInvariant()} is not available for {m}: its matching-aware loss is the GAN loss of Reed et al. (--loss gan)" :
            o.GLoss != GeneratorLossKind.NonSaturating ? $"--g-loss is not available for {m}: G minimizes −log s_f (non-saturating)" :
            o.RealLabel != 1.0 ? $"--real-label is not available for {m}" :
            !(o.Get<double>(HardWrongTextOption) is >= 0 and <= 1) ? $"--{HardWrongTextOption} is a share: use a value from 0 to 1, not {o.Get<double>(HardWrongTextOption)}" :
            !(o.Get<double>(AuxAttributesOption) >= 0) ? $"--{AuxAttributesOption} is a loss weight: use 0 (off) or a positive value, not {o.Get<double>(AuxAttributesOption)}" :
            o.Get<bool>(AuxFakeClassOption) && o.Get<bool>(AuxOnFakesOption) ? $"--{AuxFakeClassOption} and --{AuxOnFakesOption} give D's heads two targets for G's images: pass one of them" :
            o.Get<bool>(AuxOnFakesOption) && o.Get<double>(AuxAttributesOption) == 0 ? $"--{AuxOnFakesOption} trains the attribute heads of --{AuxAttributesOption} on G's images too: pass --{AuxAttributesOption} W (e.g. 10) too" :
            o.Get<bool>(AuxFakeClassOption) && o.Get<double>(AuxAttributesOption) == 0 ? $"--{AuxFakeClassOption} adds a class to the attribute heads of --{AuxAttributesOption}: pass --{AuxAttributesOption} W (e.g. 10) too" :
            o.Clip > 0 ? $"--clip is not available for {m}" :
            o.InstanceNoise > 0 ? $"--instance-noise is not available for {m}" :
            o.Augment != "none" ? $"--augment is not available for {m}" :
            o.FeatureMatching ? $"--feature-matching is not available for {m}" :
            o.Unrolled > 0 ? $"--unrolled is not available for {m} (it has its own D and G phases)" :
            o.SpectralNorm ? $"--spectral-norm is not available for {m} (its matching-aware D has no spectral-norm variant)" :
            o.MinibatchStd || o.MinibatchDisc > 0 ? $"minibatch layers are not available for {m}" :
            o.Pack > 1 ? $"--pack is not available for {m}" :
            o.VirtualBatchNorm ? $"--virtual-batch-norm is not available for {m}" :
            o.ReuseDFake ? $"--reuse-d-fake is not available for {m} (D has three passes)" :
            o.Mirror ? $"--mirror is not available for {m} (captions name left and right)" :
            needsEncoder && o.Get<string>("text-encoder") == "" ? $"the {m} model needs a pretrained text encoder: run 'gansharp train text-encoder --data {o.Data} --size {o.Size} --out runs --name text-encoder' and pass --text-encoder runs/text-encoder" :
            null;
        if (why is not null) throw new ArgumentException(why);
        int dim = o.Get<int>("embedding-dim");
        if (dim < 1) throw new ArgumentException($"--embedding-dim must be positive, got {dim}");
    }

    /// <summary>Checks that --text-encoder names an existing run or checkpoint (training only: sampling uses the run's own copy).</summary>
    public static void CheckEncoderExists(GanOptions o, string option = "text-encoder")
    {
        string path = o.Get<string>(option);
        if (path != "" && !File.Exists(path) && !Directory.Exists(path))
            throw new ArgumentException($"--{option} '{path}' is neither a run directory nor a checkpoint file: pretrain one with 'gansharp train text-encoder --data {o.Data} --size {o.Size}'");
    }
}
