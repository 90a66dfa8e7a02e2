using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.Synthetic;

/// <summary>
/// Cropping patches around landmarks and pasting them back. Centres are pixel positions (x, y) from the image's
/// top-left corner (as in the `heads` data); a patch of h×w around (cx, cy) starts at column round(cx − w/2) and row
/// round(cy − h/2). Parts outside the image are zero when cropping and dropped when pasting.
/// </summary>
public static class FacePatches
{
    /// <summary>Patch sizes (height, width) for left eye, right eye, nose, mouth: at 128 the paper's 40×40, 40×40, 32×40, 32×48; halved at 64.</summary>
    public static (int H, int W)[] Sizes(int imageSize) => imageSize switch
    {
        128 => [(40, 40), (40, 40), (32, 40), (32, 48)],
        64 => [(20, 20), (20, 20), (16, 20), (16, 24)],
        _ => throw new ArgumentException($"TP-GAN patch sizes are defined for 64×64 and 128×128 images, not {imageSize}×{imageSize}"),
    };

    /// <summary>The four patch centres (B×4×2) from the five landmarks (B×5×2): eyes, nose tip, mouth-corner midpoint.</summary>
    public static Tensor Centres(Tensor landmarks) =>
        cat([landmarks.narrow(1, 0, 3), landmarks.narrow(1, 3, 2).mean([1], keepdim: true)], 1);

    private static (long Left, long Top) Corner(float cx, float cy, int h, int w) =>
        ((long)Math.Round(cx - w / 2.0, MidpointRounding.AwayFromZero), (long)Math.Round(cy - h / 2.0, MidpointRounding.AwayFromZero));

    /// <summary>B×C×h×w patches of <paramref name="images"/> (B×C×H×W) around <paramref name="centres"/> (B×2).</summary>
    public static Tensor Crop(Tensor images, Tensor centres, int h, int w)
    {
        long b = images.shape[0], hh = images.shape[2], ww = images.shape[3];
        var c = centres.detach().cpu().to_type(ScalarType.Float32).data<float>().ToArray();
        var patches = new List<Tensor>();
        for (int i = 0; i < b; i++)
        {
            var (left, top) = Corner(c[2 * i], c[2 * i + 1], h, w);
            // Negative padding crops: pad left by −left, right by (left + w − W), etc.
            patches.Add(functional.pad(images[i], [-left, left + w - ww, -top, top + h - hh]));
        }
        return stack(patches);
    }

    /// <summary>Places B×C×h×w patches into zero B×C×H×W images at <paramref name="centres"/> (B×2).</summary>
    public static Tensor Paste(Tensor patches, Tensor centres, int height, int width)
    {
        long b = patches.shape[0];
        int h = (int)patches.shape[2], w = (int)patches.shape[3];
        var c = centres.detach().cpu().to_type(ScalarType.Float32).data<float>().ToArray();
        var images = new List<Tensor>();
        for (int i = 0; i < b; i++)
        {
            var (left, top) = Corner(c[2 * i], c[2 * i + 1], h, w);
            images.Add(functional.pad(patches[i], [left, width - left - w, top, height - top - h]));
        }
        return stack(images);
    }

    /// <summary>
    /// Fuses pasted patches: feature maps (non-negative after ReLU) by their maximum, as TP-GAN does; images by the
    /// mean of the patches that cover each pixel (0 where none does).
    /// </summary>
    public static (Tensor Features, Tensor Image) Fuse(IReadOnlyList<Tensor> features, IReadOnlyList<Tensor> images, IReadOnlyList<Tensor> centres, int height, int width)
    {
        Tensor? f = null, sum = null, cover = null;
        for (int k = 0; k < features.Count; k++)
        {
            var pf = Paste(features[k], centres[k], height, width);
            f = f is null ? pf : f.maximum(pf);
            var pi = Paste(images[k], centres[k], height, width);
            var pm = Paste(ones_like(images[k].narrow(1, 0, 1)), centres[k], height, width);
            sum = sum is null ? pi : sum + pi;
            cover = cover is null ? pm : cover + pm;
        }
        return (f!, sum! / cover!.clamp_min(1));
    }
}

/// <summary>What the two-pathway generator returns.</summary>
public sealed record TpGanOutput(Tensor Image, Tensor Half, Tensor Quarter, IReadOnlyList<Tensor> LocalPatches, Tensor LocalComposite);

/// <summary>
/// TP-GAN's two-pathway generator (Huang et al. 2017, "Beyond Face Rotation: Global and Local Perception GAN for
/// Photorealistic and Identity Preserving Frontal View Synthesis"). The global pathway is an encoder–decoder with
/// skips that also emits frontal images at ¼ and ½ size (for the multi-scale pixel loss); four local pathways (left
/// eye, right eye, nose, mouth) turn patches cropped around the input's landmarks into frontal patches. Their
/// features and images are pasted at the frontal landmark positions, fused, and joined with the global decoder's
/// features (and the input) before the last convolutions.
/// </summary>
public sealed class TwoPathwayGenerator : Module<Tensor, Tensor>
{
    private readonly int size, channels;
    private readonly bool useLocal;
    private readonly (int H, int W)[] patchSizes;
    private readonly Sequential enc0, enc1, enc2, enc3, bottleneck, dec2, dec1, dec0, toQuarter, toHalf, final;
    private readonly ModuleList<LocalPathway> locals;

    /// <summary>
    /// A generator for <paramref name="size"/>-pixel faces of <paramref name="channels"/> channels, global width
    /// <paramref name="width"/>, local width <paramref name="localWidth"/>. <paramref name="local"/> false: the
    /// global pathway alone (TP-GAN's ablation without local pathways); the final convolutions then join the global
    /// features and the input only.
    /// </summary>
    public TwoPathwayGenerator(int size = 64, int channels = 3, int width = 32, int localWidth = 16, bool local = true) : base(nameof(TwoPathwayGenerator))
    {
        this.size = size;
        this.channels = channels;
        useLocal = local;
        patchSizes = FacePatches.Sizes(size);
        int w = width;
        enc0 = Block(channels, w, 1);        // w × S × S
        enc1 = Block(w, 2 * w, 2);           // 2w × S/2
        enc2 = Block(2 * w, 4 * w, 2);       // 4w × S/4
        enc3 = Block(4 * w, 8 * w, 2);       // 8w × S/8
        bottleneck = Sequential(Conv2d(8 * w, 8 * w, 3, padding: 1), BatchNorm2d(8 * w), ReLU());  // 8w × S/8
        dec2 = Up(8 * w, 4 * w);             // up to S/4, then with the skip: 4w + 4w → 4w
        dec1 = Up(4 * w + channels, 2 * w);         // S/2 from [4w features, ¼ image]: (4w+3) → 2w, then with the skip
        dec0 = Up(2 * w + channels, w);             // S from [2w features, ½ image]
        toQuarter = Sequential(Conv2d(8 * w, channels, 3, padding: 1), Tanh());        // C × S/4
        toHalf = Sequential(Conv2d(4 * w, channels, 3, padding: 1), Tanh());                                 // C × S/2
        locals = new ModuleList<LocalPathway>(Enumerable.Range(0, local ? 4 : 0).Select(_ => new LocalPathway(channels, localWidth)).ToArray());
        // [global features 2w, local features lw, local image C, input C] → w → C (without local pathways: [2w, C])
        int joined = local ? 2 * w + localWidth + 2 * channels : 2 * w + channels;
        final = Sequential(Conv2d(joined, w, 3, padding: 1), BatchNorm2d(w), ReLU(),
            Conv2d(w, channels, 3, padding: 1), Tanh());                                                      // C × S
        RegisterComponents();
    }

    /// <summary>The image side this generator takes.</summary>
    public int Size => size;

    /// <summary>True when the four local pathways are part of it.</summary>
    public bool HasLocalPathways => useLocal;

    /// <summary>
    /// One tensor holding a generator input, for the engine's single-tensor paths (sampling, grids): per example the
    /// profile's C·S·S pixels, then its 5 landmarks (x, y) and the 5 frontal landmarks: B×(C·S·S + 20).
    /// </summary>
    public static Tensor Pack(Tensor profile, Tensor profileLandmarks, Tensor frontalLandmarks) =>
        cat([profile.flatten(1), profileLandmarks.to_type(profile.dtype).flatten(1), frontalLandmarks.to_type(profile.dtype).flatten(1)], 1);

    /// <summary>The inverse of <see cref="Pack"/>.</summary>
    public (Tensor Profile, Tensor ProfileLandmarks, Tensor FrontalLandmarks) Unpack(Tensor packed)
    {
        long pixels = (long)channels * size * size;
        if (packed.dim() != 2 || packed.shape[1] != pixels + 20)
            throw new ArgumentException($"a packed TP-GAN input is B×{pixels + 20} (a {channels}×{size}×{size} profile and two sets of 5 landmarks), got [{string.Join("×", packed.shape)}]");
        long b = packed.shape[0];
        return (packed.narrow(1, 0, pixels).reshape(b, channels, size, size),
            packed.narrow(1, pixels, 10).reshape(b, 5, 2), packed.narrow(1, pixels + 10, 10).reshape(b, 5, 2));
    }

    /// <summary>The frontal image of a packed input (<see cref="Pack"/>).</summary>
    public override Tensor forward(Tensor packed)
    {
        var (p, a, b) = Unpack(packed);
        return Forward(p, a, b).Image;
    }

    private static Sequential Block(int cin, int cout, int stride) =>
        Sequential(Conv2d(cin, cout, 3, stride: stride, padding: 1), BatchNorm2d(cout), LeakyReLU(0.2));

    private static Sequential Up(int cin, int cout) =>
        Sequential(ConvTranspose2d(cin, cout, 4, stride: 2, padding: 1), BatchNorm2d(cout), ReLU());

    /// <summary>
    /// Frontalizes <paramref name="profile"/> (B×C×S×S in [-1, 1]) given its landmarks and the landmarks where the
    /// frontal face's features go (each B×5×2 pixels).
    /// </summary>
    public TpGanOutput Forward(Tensor profile, Tensor profileLandmarks, Tensor frontalLandmarks)
    {
        if (profile.shape[2] != size || profile.shape[3] != size)
            throw new ArgumentException($"this generator takes {size}×{size} images, got {profile.shape[2]}×{profile.shape[3]}");
        // Global pathway.
        var e0 = enc0.forward(profile);                     // w × S
        var e1 = enc1.forward(e0);                          // 2w × S/2
        var e2 = enc2.forward(e1);                          // 4w × S/4
        var e3 = bottleneck.forward(enc3.forward(e2));      // 8w × S/8
        var d2 = cat([dec2.forward(e3), e2], 1);            // 8w × S/4
        var quarter = toQuarter.forward(d2);                // C × S/4
        var d1 = cat([dec1.forward(cat([d2.narrow(1, 0, d2.shape[1] / 2), quarter], 1)), e1], 1);   // 4w × S/2
        var half = toHalf.forward(d1);                      // C × S/2
        var d0 = cat([dec0.forward(cat([d1.narrow(1, 0, d1.shape[1] / 2), half], 1)), e0], 1);     // 2w × S

        if (!useLocal)
        {
            var globalOnly = final.forward(cat([d0, profile], 1));
            return new TpGanOutput(globalOnly, half, quarter, Array.Empty<Tensor>(), zeros_like(globalOnly));
        }
        // Local pathways: crop at the input's landmarks, paste at the frontal ones.
        var src = FacePatches.Centres(profileLandmarks);
        var dst = FacePatches.Centres(frontalLandmarks);
        var feats = new List<Tensor>();
        var patches = new List<Tensor>();
        var dstCentres = new List<Tensor>();
        for (int k = 0; k < 4; k++)
        {
            var (ph, pw) = patchSizes[k];
            var crop = FacePatches.Crop(profile, src.select(1, k), ph, pw);
            var (f, img) = locals[k].forward(crop);
            feats.Add(f);
            patches.Add(img);
            dstCentres.Add(dst.select(1, k));
        }
        var (localFeatures, localImage) = FacePatches.Fuse(feats, patches, dstCentres, size, size);
        var image = final.forward(cat([d0, localFeatures, localImage, profile], 1));
        return new TpGanOutput(image, half, quarter, patches, localImage);
    }

    /// <summary>A patch encoder–decoder with skips: patch (C×h×w) → features (lw×h×w, ReLU) and a frontal patch (C×h×w, tanh).</summary>
    private sealed class LocalPathway : Module<Tensor, (Tensor Features, Tensor Image)>
    {
        private readonly Sequential e0, e1, e2, d1, d0, merge, image;

        public LocalPathway(int channels, int lw) : base(nameof(LocalPathway))
        {
            e0 = Block(channels, lw, 1);             // lw × h × w
            e1 = Block(lw, 2 * lw, 2);               // 2lw × h/2
            e2 = Block(2 * lw, 4 * lw, 2);           // 4lw × h/4
            d1 = Up(4 * lw, 2 * lw);                 // 2lw × h/2 (+ skip → 4lw)
            d0 = Up(4 * lw, lw);                     // lw × h (+ skip → 2lw)
            merge = Sequential(Conv2d(2 * lw, lw, 3, padding: 1), ReLU());    // lw × h × w features
            image = Sequential(Conv2d(lw, channels, 3, padding: 1), Tanh());  // C × h × w
            RegisterComponents();
        }

        public override (Tensor Features, Tensor Image) forward(Tensor x)
        {
            var a = e0.forward(x);
            var b = e1.forward(a);
            var c = e2.forward(b);
            var u1 = cat([d1.forward(c), b], 1);
            var u0 = cat([d0.forward(u1), a], 1);
            var f = merge.forward(u0);
            return (f, image.forward(f));
        }
    }
}

/// <summary>TP-GAN's weights relative to the pixel loss (the paper's defaults).</summary>
public sealed record TpGanWeights(double Symmetry = 0.3, double Adversarial = 1e-3, double Identity = 3e-3, double TotalVariation = 1e-4);

/// <summary>TP-GAN's losses as pure functions of tensors.</summary>
public static class TpGanLosses
{
    /// <summary>
    /// Σ over outputs of the mean |output − target resized to the output's size| (area average), e.g. the ¼, ½ and
    /// full frontal images against the true frontal view.
    /// </summary>
    public static Tensor MultiScalePixelL1(IReadOnlyList<Tensor> outputs, Tensor target)
    {
        Tensor? total = null;
        foreach (var o in outputs)
        {
            long factor = target.shape[3] / o.shape[3];
            var t = factor == 1 ? target : functional.avg_pool2d(target, factor);
            var l = (o - t).abs().mean();
            total = total is null ? l : total + l;
        }
        return total ?? throw new ArgumentException("no outputs");
    }

    /// <summary>Mean |x − mirror(x)|: 0 for a left–right symmetric image.</summary>
    public static Tensor Symmetry(Tensor x) => (x - x.flip(3)).abs().mean();

    /// <summary>Σ over layers of the mean |a − b| of an identity network's features (the paper uses its last two layers).</summary>
    public static Tensor Identity(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b)
    {
        if (a.Count != b.Count || a.Count == 0) throw new ArgumentException($"identity loss needs the same, non-zero number of feature layers, got {a.Count} and {b.Count}");
        Tensor total = (a[0] - b[0]).abs().mean();
        for (int i = 1; i < a.Count; i++) total = total + (a[i] - b[i]).abs().mean();
        return total;
    }

    /// <summary>Total variation: mean |horizontal difference| + mean |vertical difference|.</summary>
    public static Tensor TotalVariation(Tensor x)
    {
        long h = x.shape[2], w = x.shape[3];
        var dx = (x.narrow(3, 1, w - 1) - x.narrow(3, 0, w - 1)).abs().mean();
        var dy = (x.narrow(2, 1, h - 1) - x.narrow(2, 0, h - 1)).abs().mean();
        return dx + dy;
    }
}

/// <summary>
/// TP-GAN's discriminator on frontal images: a DCGAN-style stack of 4×4 stride-2 convolutions (w, 2w, 4w, 8w maps;
/// BatchNorm after the first; LeakyReLU 0.2) down to S/16, then one convolution over the remaining S/16 × S/16 to a
/// logit per image.
/// </summary>
public sealed class FrontalDiscriminator : Module<Tensor, Tensor>
{
    private readonly Sequential net;

    public FrontalDiscriminator(int size, int channels, int width) : base(nameof(FrontalDiscriminator))
    {
        if (size % 16 != 0) throw new ArgumentException($"the frontal discriminator takes sides that are multiples of 16, not {size}");
        int w = width;
        net = Sequential(
            Conv2d(channels, w, 4, stride: 2, padding: 1), LeakyReLU(0.2),
            Conv2d(w, 2 * w, 4, stride: 2, padding: 1), BatchNorm2d(2 * w), LeakyReLU(0.2),
            Conv2d(2 * w, 4 * w, 4, stride: 2, padding: 1), BatchNorm2d(4 * w), LeakyReLU(0.2),
            Conv2d(4 * w, 8 * w, 4, stride: 2, padding: 1), BatchNorm2d(8 * w), LeakyReLU(0.2),
            Conv2d(8 * w, 1, size / 16), Flatten());
        RegisterComponents();
    }

    /// <summary>B×1 logits.</summary>
    public override Tensor forward(Tensor x) => net.forward(x);
}
