using System.Security.Cryptography;
using System.Text.Json.Nodes;
using GanSharp.Training;
using GanSharp.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Families.ImageToImage;

/// <summary>
/// The frozen network SRGAN's content loss is taken on (Ledig et al. 2017, "VGG54"): either the project's own
/// <see cref="PhotoFeatureNet"/> (its last feature map; the default, since VGG weights cannot be downloaded here), or
/// a VGG-19 the user supplies as a TorchScript file. For the latter GanSharp converts its [-1, 1] images to what
/// torchvision's ImageNet networks take, x' = ((x + 1)/2 − mean)/std with mean (0.485, 0.456, 0.406) and std
/// (0.229, 0.224, 0.225), and expects forward(x') to return φ5,4: the feature map of the 4th convolution of the 5th
/// block after its ReLU (before the 5th max-pool), 512×H/16×W/16, e.g. the scripted
/// <c>torchvision.models.vgg19(weights="IMAGENET1K_V1").features[:36]</c>. The paper rescales those maps by
/// 1/12.75 (<see cref="ImageToImageLosses.SrganFeatureScale"/>). Parameters take no gradient; gradients flow to the input.
/// </summary>
public sealed class ContentNetwork : IDisposable
{
    private static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    private readonly PhotoFeatureNet? _own;
    private readonly jit.ScriptModule? _script;

    private ContentNetwork(string name, string sha256, PhotoFeatureNet? own, jit.ScriptModule? script)
    {
        Name = name;
        Sha256 = sha256;
        _own = own;
        _script = script;
    }

    public string Name { get; }

    /// <summary>SHA-256 of the weights or TorchScript file (recorded in the run's checkpoints and checked on resume).</summary>
    public string Sha256 { get; }

    /// <summary>True for a user-supplied TorchScript VGG (the paper's φ/12.75 scale applies).</summary>
    public bool IsVgg => _script is not null;

    /// <summary>
    /// Loads "photo-featnet" (the committed network), a .ckpt written by 'gansharp featnet train', or a TorchScript
    /// VGG-19 file (.pt or .ts). Errors name the file and what to pass instead.
    /// </summary>
    public static ContentNetwork Load(string spec)
    {
        string ext = Path.GetExtension(spec).ToLowerInvariant();
        if (ext is ".pt" or ".ts")
        {
            if (!File.Exists(spec))
                throw new DataException($"--feature-net '{spec}' does not exist: pass a TorchScript VGG-19 file (see docs/image-to-image.md) or 'photo-featnet'");
            string hash;
            using (var fs = File.OpenRead(spec)) hash = Convert.ToHexStringLower(SHA256.HashData(fs));
            jit.ScriptModule module;
            try
            {
                module = jit.load(spec);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new DataException($"--feature-net '{spec}' is not a TorchScript file TorchSharp can load ({e.Message.Split('\n')[0].Trim()}): save it with torch.jit.save in PyTorch");
            }
            module.eval();
            foreach (var p in module.parameters()) p.requires_grad = false;
            return new ContentNetwork(Path.GetFileName(spec), hash, null, module);
        }
        var (net, name, sha) = PhotoFeatureNet.Load(spec);
        return new ContentNetwork(name, sha, net, null);
    }

    /// <summary>Moves the network to <paramref name="device"/> (where the family's G runs).</summary>
    public void To(Device device)
    {
        _own?.to(device);
        _script?.to(device);
    }

    /// <summary>The feature maps of N×3×H×W images in [-1, 1] (differentiable with respect to the images).</summary>
    public Tensor Features(Tensor images)
    {
        if (_own is not null) return _own.FeatureMap(images);
        using var scope = NewDisposeScope();
        var mean = tensor(ImageNetMean, device: images.device).reshape(1, 3, 1, 1);
        var std = tensor(ImageNetStd, device: images.device).reshape(1, 3, 1, 1);
        var x = (images.add(1).mul(0.5) - mean) / std;
        var output = _script!.invoke("forward", x) as Tensor
            ?? throw new DataException($"--feature-net '{Name}' did not return one tensor: its forward must return the φ5,4 feature map");
        return output.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _own?.Dispose();
        _script?.Dispose();
    }
}

/// <summary>
/// A content (perceptual) loss term as a family keeps it: the network named by --feature-net, loaded on first use;
/// the scale s of its feature maps (--content-scale, else the paper's 1/12.75 for a VGG file, else calibrated once
/// on the first batch by <see cref="Calibrate"/>); and the network's SHA-256. Scale and hash are family state
/// ("content-scale", "content-sha256"): a resumed run keeps its scale and refuses another network.
/// </summary>
public sealed class ContentTerm : IDisposable
{
    /// <summary>--feature-net, declared alike by every family with a content term.</summary>
    public static OptionSpec FeatureNetOption => OptionSpec.Of("feature-net", PhotoFeatureNet.CommittedName,
        "srgan, pix2pix --objective idcgan: the network of the content (perceptual) loss: photo-featnet (the project's own, default), a .ckpt from 'gansharp featnet train', or a TorchScript VGG-19 file (.pt/.ts) returning φ5,4 of ImageNet-normalised input");

    /// <summary>--content-scale, declared alike by every family with a content term.</summary>
    public static OptionSpec ContentScaleOption => OptionSpec.Of("content-scale", 0.0,
        "srgan, pix2pix --objective idcgan: the scale s of the feature maps in the content loss mean((s·φ(x) − s·φ(y))²); 0: 1/12.75 for a VGG file (SRGAN's), for the project's network calibrated on the first batch (srgan: to G's pixel MSE; idcgan: to the corrupted source's pixel MSE)");

    private readonly string _spec;
    private ContentNetwork? _net;
    private readonly Device? _device;
    private double? _scale;
    private string? _sha;

    /// <param name="spec">--feature-net: "photo-featnet", a .ckpt, or a TorchScript VGG file.</param>
    /// <param name="scale">--content-scale: a positive value fixes s; 0 leaves it to the network kind or calibration.</param>
    /// <param name="device">Where the family's networks run: the content network is moved there when it is loaded.</param>
    public ContentTerm(string spec, double scale, Device? device = null)
    {
        _device = device;
        if (scale < 0) throw new ArgumentException($"--content-scale must not be negative (got {scale})");
        _spec = spec;
        if (scale > 0) _scale = scale;
    }

    /// <summary>The scale once known.</summary>
    public double? Scale => _scale;

    /// <summary>The network, loaded on first use (a checkpoint loaded for sampling never needs it).</summary>
    public ContentNetwork Network
    {
        get
        {
            if (_net is not null) return _net;
            var net = ContentNetwork.Load(_spec);
            if (_sha is not null && _sha != net.Sha256)
            {
                net.Dispose();
                throw new CheckpointException($"this run's content network had SHA-256 {_sha}, but '{_spec}' has {net.Sha256}: resume with the same --feature-net file");
            }
            if (_device is { } d && !Devices.IsCpu(d)) net.To(d);
            _net = net;
            _sha = net.Sha256;
            if (_scale is null && net.IsVgg) _scale = ImageToImageLosses.SrganFeatureScale;
            return net;
        }
    }

    /// <summary>
    /// Fixes the scale, when not yet known, so that the feature-map MSE of (<paramref name="a"/>, <paramref name="b"/>)
    /// equals <paramref name="targetMse"/>: s² = target / mean((φ(a) − φ(b))²). Returns s.
    /// </summary>
    public double Calibrate(Tensor a, Tensor b, double targetMse)
    {
        if (_scale is { } known) return known;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        double raw = (Network.Features(a) - Network.Features(b)).square().mean().item<float>();
        if (!(raw > 0) || !(targetMse > 0) || !double.IsFinite(targetMse / raw))
            throw new InvalidOperationException($"cannot calibrate the content scale (feature-map MSE {raw}, target {targetMse} on the first batch): pass --content-scale");
        _scale = Math.Sqrt(targetMse / raw);
        return _scale.Value;
    }

    /// <summary>mean((s·φ(output) − s·φ(target))²), the target's features without gradient. The scale must be known.</summary>
    public Tensor Loss(Tensor output, Tensor target)
    {
        var s = _scale ?? throw new InvalidOperationException("the content scale is not known yet: calibrate it first");
        var fo = Network.Features(output);
        Tensor ft;
        using (no_grad()) ft = Network.Features(target);
        return ImageToImageLosses.Content(fo, ft, s);
    }

    /// <summary>Family state: the scale and the network's hash, once known.</summary>
    public void Capture(JsonObject state)
    {
        if (_scale is { } s) state["content-scale"] = s;
        if (_sha is { } h) state["content-sha256"] = h;
    }

    public void Restore(JsonObject? state)
    {
        if (state?["content-scale"] is { } s) _scale = s.GetValue<double>();
        if (state?["content-sha256"] is { } h) _sha = h.GetValue<string>();
    }

    public void Dispose() => _net?.Dispose();
}
