using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Data.Synthetic;
using GanSharp.Losses;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Families.Synthetic;

/// <summary>
/// TP-GAN (Huang et al. 2017, "Beyond Face Rotation") as a family: `gansharp train tpgan --data heads
/// --identity-net id.ckpt`. G is a <see cref="TwoPathwayGenerator"/> from a view at any yaw (with its landmarks) to
/// the frontal view; D a <see cref="FrontalDiscriminator"/> on frontal images. G's loss, relative to the multi-scale
/// pixel L1 to the true frontal view: λ_sym · symmetry + λ_adv · adversarial + λ_ip · identity (L1 between the last
/// two layers of a frozen <see cref="IdentityNet"/> on output and truth) + λ_tv · total variation, with the paper's
/// weights 0.3, 1e-3, 3e-3, 1e-4 as defaults. The local pathways paste their patches at a fixed frontal landmark
/// template: the mean frontal landmarks of the training data, kept in the checkpoint. A step is D then G on the same
/// batch and the same G output (as pix2pix). Ablations: --no-local, --no-symmetry, --no-identity.
/// </summary>
public sealed class TpGanFamily : IGanFamily
{
    /// <summary>Runs on any --device (docs/scale.md).</summary>
    public bool RunsOnAnyDevice => true;

    public const string ModelName = "tpgan";
    public const string ArchName = "two-pathway";

    /// <summary>The field holding the true frontal view's landmarks of each training pair (the input's are "landmarks").</summary>
    public const string FrontalLandmarks = "frontal_landmarks";

    /// <summary>Identities whose views (at every yaw but 0) feed the progress grids; they are training identities.</summary>
    public const int GridIdentities = 2;

    public string Name => ModelName;
    public string Description => "TP-GAN frontal view synthesis: two-pathway G (global + 4 local), pixel + symmetry + adversarial + identity + TV losses (Huang et al. 2017)";
    public IReadOnlyList<string> RequiredFields => new[] { BatchFields.Image, BatchFields.Source, BatchFields.Landmarks, FrontalLandmarks };
    public IReadOnlyList<(string Name, string Description)> Architectures => new[]
    {
        (ArchName, "TP-GAN: global encoder-decoder with skips (--width-g) and four local pathways (--local-width) on eye, eye, nose and mouth patches, fused at a frontal landmark template; DCGAN-style D (--width-d); 64x64 or 128x128"),
    };
    public bool NeedsHeldOut => true;
    public bool ReadsDataItself => true;

    public IReadOnlyList<OptionSpec> Options => new[]
    {
        OptionSpec.Of("identities", Heads.DefaultTrainIdentities, "tpgan: training identities of --data heads (each at 13 yaws; the renderer's identity i is the same whatever the count)"),
        OptionSpec.Of("heads-seed", 0L, "tpgan: seed of the heads renderer (fixed apart from --seed, so runs train on the same heads)"),
        OptionSpec.Of("heads-supersample", 2, "tpgan: rays per pixel side when rendering --data heads (2: the dataset's 2×2 supersampling; 1: about 3.5× faster to render, aliased edges)"),
        OptionSpec.Of("identity-net", "", "tpgan: the frozen identity network of the identity-preserving loss (a file from 'gansharp heads identity-net'); not needed with --no-identity"),
        OptionSpec.Of("lambda-sym", TpGanWeightsDefaults.Symmetry, "tpgan: weight of the symmetry loss (the paper's 0.3)"),
        OptionSpec.Of("lambda-adv", TpGanWeightsDefaults.Adversarial, "tpgan: weight of the adversarial loss (the paper's 1e-3)"),
        OptionSpec.Of("lambda-ip", TpGanWeightsDefaults.Identity, "tpgan: weight of the identity-preserving loss (the paper's 3e-3)"),
        OptionSpec.Of("lambda-tv", TpGanWeightsDefaults.TotalVariation, "tpgan: weight of the total-variation loss (the paper's 1e-4)"),
        OptionSpec.Of("no-local", false, "tpgan: ablation without the four local pathways (the global pathway alone)"),
        OptionSpec.Of("no-symmetry", false, "tpgan: ablation without the symmetry loss (its weight 0; still logged)"),
        OptionSpec.Of("no-identity", false, "tpgan: ablation without the identity-preserving loss (no identity network needed)"),
        OptionSpec.Of("local-width", 16, "tpgan: feature maps of each local pathway's first layer (default 16)"),
    };

    public IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; } = new Dictionary<string, (string, string)>
    {
        ["tpgan-heads64"] = ("TP-GAN on heads at 64 px: 1,000 identities, global width 32, local width 16, D width 32, Adam 2e-4 β1 0.5, batch 16, 3000 steps (pass --identity-net)",
            """{"model":"tpgan","data":"heads","size":64,"batch":16,"width-g":32,"width-d":32,"lr-g":2e-4,"lr-d":2e-4,"betas-g":[0.5,0.999],"betas-d":[0.5,0.999],"steps":3000,"sample-every":250,"checkpoint-every":500,"sample-count":12,"log-every":10}"""),
        ["tpgan-heads64-small"] = ("TP-GAN at the CPU budget of docs/synthetic.md: 120 identities, global width 16, local width 8, D width 16, batch 16, 400 steps (pass --identity-net)",
            """{"model":"tpgan","data":"heads","size":64,"identities":120,"local-width":8,"batch":16,"width-g":16,"width-d":16,"lr-g":2e-4,"lr-d":2e-4,"betas-g":[0.5,0.999],"betas-d":[0.5,0.999],"steps":400,"sample-every":100,"checkpoint-every":100,"sample-count":12,"log-every":10}"""),
    };

    public string? DefaultPreset(string? data, string? arch) => "tpgan-heads64";

    public string ResolveArch(GanOptions options, long[] exampleShape)
    {
        RefuseUnsupported(options);
        CheckShape(exampleShape);
        return ArchName;
    }

    private static void CheckShape(long[] shape)
    {
        if (shape.Length != 3 || shape[1] != shape[2] || shape[1] is not (64 or 128))
            throw new ArgumentException($"the tpgan model frontalizes 64×64 or 128×128 faces, not examples of shape [{string.Join("×", shape)}]: pass --size 64 or --size 128");
    }

    /// <summary>True when the identity-preserving loss is on (and so an identity network is needed).</summary>
    public static bool UsesIdentity(GanOptions o) => !o.Get<bool>("no-identity") && o.Get<double>("lambda-ip") > 0;

    /// <summary>The options TP-GAN cannot honour, each refused in one line; and its own options' ranges.</summary>
    public static void RefuseUnsupported(GanOptions o)
    {
        string? why =
            o.Loss is LossKind.Wgan or LossKind.WganGp ? "--loss wgan/wgan-gp is not available for tpgan (its D has BatchNorm): use --loss gan (the paper's), lsgan or hinge" :
            o.Clip > 0 ? "--clip is not available for tpgan (weight clipping is for --loss wgan)" :
            o.FeatureMatching ? "--feature-matching is not available for tpgan (G's loss is TP-GAN's weighted sum)" :
            o.Unrolled > 0 ? "--unrolled is not available for tpgan (it has its own D and G phases)" :
            o.InstanceNoise > 0 ? "--instance-noise is not available for tpgan" :
            o.SpectralNorm ? "--spectral-norm is not available for tpgan" :
            o.MinibatchStd || o.MinibatchDisc > 0 ? "minibatch layers are not available for tpgan" :
            o.Pack > 1 ? "--pack is not available for tpgan" :
            o.ReuseDFake ? "--reuse-d-fake is not available for tpgan (its D and G phases already share one G output)" :
            o.Augment != "none" ? "--augment is not available for tpgan (it would move the faces away from their landmarks)" :
            o.Mirror ? "--mirror is not available for tpgan (mirrored images would not match their landmarks)" :
            o.EvalEvery > 0 ? "--eval-every is not available for tpgan (its metrics sample without an input face); score runs with 'gansharp heads study'" :
            new[] { "lambda-sym", "lambda-adv", "lambda-ip", "lambda-tv" }.FirstOrDefault(k => o.Get<double>(k) < 0) is { } neg ? $"--{neg} must not be negative (got {o.Get<double>(neg)})" :
            o.Get<int>("identities") < 1 ? $"--identities must be positive (got {o.Get<int>("identities")})" :
            o.Get<int>("local-width") < 1 ? $"--local-width must be positive (got {o.Get<int>("local-width")})" :
            UsesIdentity(o) && o.Get<string>("identity-net") == "" ? "tpgan's identity-preserving loss needs --identity-net FILE (train one with 'gansharp heads identity-net --out FILE'), or pass --no-identity" :
            null;
        if (why is not null) throw new ArgumentException(why);
    }

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        RefuseUnsupported(options);
        CheckShape(exampleShape);
        manual_seed(options.Seed);
        return new TpGanSystem(options, exampleShape);
    }

    /// <summary>
    /// The training pairs: --data heads (rendered, --identities of the train split, seed --heads-seed) or a
    /// pose-labelled face folder (<see cref="PoseFaceFolder"/>); each view at any yaw paired with its identity's
    /// frontal view. The held-out part holds the views of the first <see cref="GridIdentities"/> identities at
    /// yaw ≠ 0 (training identities: the grids show progress, not generalization).
    /// </summary>
    public (TensorDataset Train, TensorDataset? HeldOut) AdaptData(TensorDataset data, GanOptions options, Action<string>? log)
    {
        RefuseUnsupported(options);
        if (UsesIdentity(options) && !File.Exists(options.Get<string>("identity-net")))
            throw new DataException($"identity network '{options.Get<string>("identity-net")}' does not exist: train one with 'gansharp heads identity-net --out {options.Get<string>("identity-net")}', or pass --no-identity");
        using var faces = OpenFaces(options, log);
        var train = Pairs(faces);
        var idx = nonzero(faces.Labels!.lt(GridIdentities).logical_and(faces.ExtraFields[HeadFields.Yaw].ne(0))).flatten();
        var held = Subset(train, idx, train.Name + "-grid");
        log?.Invoke($"tpgan: {train.Count} (view, frontal) pairs of {faces.NumClasses} identities; grids show {held.Count} views of {GridIdentities} training identities");
        return (train, held);
    }

    /// <summary>The faces --data names: `heads` (rendered and cached) or a pose-labelled face folder.</summary>
    public static TensorDataset OpenFaces(GanOptions o, Action<string>? log)
    {
        if (o.Data == "heads")
            return Heads.Open(o.Get<int>("identities"), "train", o.Get<long>("heads-seed"), o.Size, null, log, o.Get<int>("heads-supersample"));
        if (Directory.Exists(o.Data)) return PoseFaceFolder.Load(o.Data, o.Size, o.Channels);
        throw new DataException($"the tpgan model trains on faces at several yaws: pass --data heads or a folder laid out as identity/yaw/*.png with landmarks.csv, not '{o.Data}'");
    }

    /// <summary>(view → frontal view) pairs: image = the identity's frontal view, source = the view, landmarks = the view's, frontal_landmarks = the frontal view's.</summary>
    public static TensorDataset Pairs(TensorDataset faces)
    {
        foreach (var f in new[] { HeadFields.Frontal, HeadFields.Landmarks })
            if (!faces.ExtraFields.ContainsKey(f)) throw new DataException($"'{faces.Name}' has no '{f}' field: tpgan needs faces with landmarks and the index of each identity's frontal view");
        using var scope = NewDisposeScope();
        var frontal = faces.ExtraFields[HeadFields.Frontal];
        var lm = faces.ExtraFields[HeadFields.Landmarks];
        var fields = new Dictionary<string, Tensor>
        {
            [BatchFields.Source] = faces.Data.clone().DetachFromDisposeScope(),
            [BatchFields.Landmarks] = lm.clone().DetachFromDisposeScope(),
            [FrontalLandmarks] = lm.index_select(0, frontal).DetachFromDisposeScope(),
        };
        return new TensorDataset(faces.Name + "-pairs", faces.Data.index_select(0, frontal).DetachFromDisposeScope(), fields: fields);
    }

    private static TensorDataset Subset(TensorDataset d, Tensor idx, string name)
    {
        using var scope = NewDisposeScope();
        var fields = d.ExtraFields.ToDictionary(kv => kv.Key, kv => kv.Value.index_select(0, idx).DetachFromDisposeScope());
        return new TensorDataset(name, d.Data.index_select(0, idx).DetachFromDisposeScope(), fields: fields);
    }
}

/// <summary>The paper's loss weights (relative to the pixel loss), as option defaults.</summary>
public static class TpGanWeightsDefaults
{
    public const double Symmetry = 0.3, Adversarial = 1e-3, Identity = 3e-3, TotalVariation = 1e-4;
}

/// <summary>TP-GAN's networks, phases, landmark template and grids (see <see cref="TpGanFamily"/>).</summary>
public sealed class TpGanSystem : GanSystem
{
    private Tensor? _template;                         // 5×2 frontal landmark template (pixels)
    private Tensor? _gridProfiles, _gridLandmarks, _gridTargets;
    private TpGanOutput? _out;                         // G's output of the D phase, reused by the G phase of the step
    private readonly string? _identitySha;

    public TpGanSystem(GanOptions options, long[] shape) : base(options, shape)
    {
        int channels = (int)shape[0], size = (int)shape[1];
        Weights = new TpGanWeights(
            Symmetry: options.Get<bool>("no-symmetry") ? 0 : options.Get<double>("lambda-sym"),
            Adversarial: options.Get<double>("lambda-adv"),
            Identity: TpGanFamily.UsesIdentity(options) ? options.Get<double>("lambda-ip") : 0,
            TotalVariation: options.Get<double>("lambda-tv"));
        AddNetwork("G", new TwoPathwayGenerator(size, channels, options.WidthG, options.Get<int>("local-width"), local: !options.Get<bool>("no-local")));
        AddNetwork("D", new FrontalDiscriminator(size, channels, options.WidthD));
        if (Weights.Identity > 0)
        {
            // The frozen identity network, from its file when present; a checkpoint loaded elsewhere (frontalize)
            // needs no file: the network is not used there, and a resumed run's AdaptData refuses a missing file.
            string path = options.Get<string>("identity-net");
            if (File.Exists(path))
            {
                var net = FaceNets.LoadIdentity(path);
                if (net.Size != size || net.Channels != channels)
                    throw new ArgumentException($"identity network '{path}' takes {net.Channels}×{net.Size}×{net.Size} images, but this run's are {channels}×{size}×{size}: train one at --size {size}");
                _identitySha = FaceNets.Sha256(path);
                AddNetwork("identity", net, trainable: false);
            }
        }
    }

    /// <summary>The loss weights in use (ablations set theirs to 0).</summary>
    public TpGanWeights Weights { get; }

    public TwoPathwayGenerator Generator => (TwoPathwayGenerator)Network("G");

    /// <summary>The frozen identity network of the identity-preserving loss, or null.</summary>
    public IdentityNet? Identity => HasNetwork("identity") ? (IdentityNet)Network("identity") : null;

    /// <summary>The frontal landmark template (5×2 pixels) the local pathways paste at; null until data is attached or a checkpoint loaded.</summary>
    public Tensor? Template => _template;

    /// <summary>Sets the template from a dataset's frontal landmarks (their mean).</summary>
    public void SetTemplate(Tensor frontalLandmarks)
    {
        _template?.Dispose();
        using var scope = NewDisposeScope();
        _template = frontalLandmarks.to_type(ScalarType.Float32).mean([0]).On(Device).MoveToOuterDisposeScope();
    }

    private Tensor TemplateFor(long n) =>
        (_template ?? throw new InvalidOperationException("the tpgan system has no frontal landmark template: attach training data or load a checkpoint")).unsqueeze(0).expand(n, 5, 2);

    /// <summary>G's full output (frontal image and its ½, ¼ versions) for views with their landmarks, pasting at the template.</summary>
    public TpGanOutput Frontalize(Tensor profile, Tensor landmarks) => Generator.Forward(profile, landmarks, TemplateFor(profile.shape[0]));

    /// <summary>The frontal view in eval mode without gradients: <paramref name="profile"/> B×C×S×S in [-1, 1], landmarks B×5×2 pixels.</summary>
    public Tensor FrontalizeEval(Tensor profile, Tensor landmarks)
    {
        bool was = G.training;
        G.eval();
        try
        {
            using var _ = inference_mode();
            return Frontalize(profile, landmarks).Image;
        }
        finally
        {
            if (was) G.train();
        }
    }

    protected override IReadOnlyList<Phase> BuildPhases() => new[]
    {
        new Phase("D", "D", ctx =>
        {
            var b = ctx.Batch;
            _out = null;                                                             // the step's dispose scope owns it
            TpGanOutput o;
            if (ctx.Repeat == Options.DSteps - 1) o = _out = Frontalize(b[BatchFields.Source], b[BatchFields.Landmarks]);   // kept, with its graph, for G
            else using (no_grad()) o = Frontalize(b[BatchFields.Source], b[BatchFields.Landmarks]);
            return DiscriminatorLoss(b.Real, o.Image, ctx.Rng, ctx.Step);
        }) { Repeat = Options.DSteps },
        new Phase("G", "G", ctx =>
        {
            var b = ctx.Batch;
            var o = _out ?? Frontalize(b[BatchFields.Source], b[BatchFields.Landmarks]);
            _out = null;
            return GeneratorLoss(o, b.Real);
        }) { NewBatch = false, Freeze = new[] { "D" }, ZeroAfter = new[] { "D" } },
    };

    /// <summary>D's loss on true frontal views against G's (detached) output through the run's adversarial loss.</summary>
    public LossResult DiscriminatorLoss(Tensor real, Tensor fake, Generator? rng, int step)
    {
        var fakeIn = fake.detach();
        var realOut = D.call(real);
        var fakeOut = D.call(fakeIn);
        return Loss.Discriminator(x => D.call(x), real, fakeIn, realOut, fakeOut, rng, step);
    }

    /// <summary>
    /// G's loss: multi-scale pixel L1 (¼, ½, full; loss_pixel) + λ_sym·symmetry (loss_sym) + λ_adv·adversarial
    /// (loss_adv) + λ_ip·identity (loss_ip; L1 of the identity network's last two layers, truth without gradient)
    /// + λ_tv·total variation (loss_tv). Each term is logged unweighted.
    /// </summary>
    public LossResult GeneratorLoss(TpGanOutput o, Tensor real)
    {
        var fakeOut = D.call(o.Image);
        var terms = new LossTerms()
            .Add("pixel", TpGanLosses.MultiScalePixelL1(new[] { o.Quarter, o.Half, o.Image }, real))
            .Add("sym", TpGanLosses.Symmetry(o.Image), Weights.Symmetry)
            .Add("adv", Loss.Generator(fakeOut), Weights.Adversarial);
        if (Weights.Identity > 0)
        {
            var id = Identity ?? throw new InvalidOperationException($"the identity-preserving loss needs the identity network '{Options.Get<string>("identity-net")}', which was not found when this run was built");
            IReadOnlyList<Tensor> truth;
            using (no_grad()) truth = id.Features(real);
            terms.Add("ip", TpGanLosses.Identity(id.Features(o.Image), truth), Weights.Identity);
        }
        terms.Add("tv", TpGanLosses.TotalVariation(o.Image), Weights.TotalVariation);
        return terms.Result(dFake: Loss.MeanOutput(fakeOut));
    }

    public override string? JointLossesUnsupported() => "the tpgan family has its own losses";

    /// <summary>G has no noise: a "latent" is a placeholder column of zeros.</summary>
    public override Tensor SampleLatent(long n, Generator? generator) => zeros(n, 1, device: Device);

    /// <summary>The frontal view of a packed input (<see cref="TwoPathwayGenerator.Pack"/>).</summary>
    public override Tensor Generate(Tensor z, Tensor? condition = null)
    {
        if (condition is null)
            throw new ArgumentException("tpgan frontalizes a face and draws none of its own: use 'gansharp frontalize --checkpoint RUN in.png --out out.png'");
        return G.call(condition);
    }

    public override void Attach(TensorDataset data)
    {
        if (data.ExtraFields.TryGetValue(TpGanFamily.FrontalLandmarks, out var f)) SetTemplate(f);
    }

    public override void AttachHeldOut(TensorDataset heldOut)
    {
        using var scope = NewDisposeScope();
        _gridProfiles?.Dispose(); _gridLandmarks?.Dispose(); _gridTargets?.Dispose();
        var idx = arange(heldOut.Count); // cpu: indices into the CPU held-out set
        var extra = heldOut.GatherExtra(idx);
        _gridProfiles = extra[BatchFields.Source].On(Device).MoveToOuterDisposeScope();   // grids run where G does
        _gridLandmarks = extra[BatchFields.Landmarks].On(Device).MoveToOuterDisposeScope();
        _gridTargets = heldOut.Gather(idx).On(Device).MoveToOuterDisposeScope();
        if (_template is null && heldOut.ExtraFields.TryGetValue(TpGanFamily.FrontalLandmarks, out var f)) SetTemplate(f);
    }

    /// <summary>The held-out views packed with their landmarks and the template (n of them, cycled), or null.</summary>
    public override Tensor? GridCondition(long n)
    {
        if (_gridProfiles is null || _template is null) return null;
        var i = arange(n, device: _gridProfiles.device) % _gridProfiles.shape[0];
        return TwoPathwayGenerator.Pack(_gridProfiles.index_select(0, i), _gridLandmarks!.index_select(0, i), TemplateFor(n));
    }

    public override int? GridColumns(long n) => 3;

    /// <summary>Each held-out view, its frontalization and the true frontal view, in a row.</summary>
    public override Tensor GridImages(Tensor samples, Tensor? condition)
    {
        if (condition is null || _gridTargets is null) return samples;
        long n = samples.shape[0];
        var i = arange(n, device: _gridTargets.device) % _gridTargets.shape[0];
        var (profile, _, _) = Generator.Unpack(condition);
        return stack(new[] { profile, samples, _gridTargets.index_select(0, i) }, 1).flatten(0, 1);
    }

    // ---- the template (and the identity network's hash) in checkpoints --------------------------------------------

    public override IEnumerable<(string Name, Tensor Value)> FamilyTensors()
    {
        if (_template is not null) yield return ("template", _template);
    }

    public override JsonObject? CaptureFamilyState() =>
        _identitySha is null ? null : new JsonObject { ["identity-net-sha256"] = _identitySha };

    public override void RestoreFamilyState(JsonObject? state, IReadOnlyDictionary<string, Tensor> tensors)
    {
        if (tensors.TryGetValue("state.template", out var t)) SetTemplate(t.unsqueeze(0));
    }

    public override void Dispose()
    {
        _template?.Dispose();
        _gridProfiles?.Dispose(); _gridLandmarks?.Dispose(); _gridTargets?.Dispose();
        base.Dispose();
    }
}
