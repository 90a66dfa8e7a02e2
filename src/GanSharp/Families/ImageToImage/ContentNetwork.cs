using System.Security.Cryptography;
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

    /// <summary>The feature maps of N×3×H×W images in [-1, 1] (differentiable with respect to the images).</summary>
    public Tensor Features(Tensor images)
    {
        if (_own is not null) return _own.FeatureMap(images);
        using var scope = NewDisposeScope();
        var mean = tensor(ImageNetMean).reshape(1, 3, 1, 1);
        var std = tensor(ImageNetStd).reshape(1, 3, 1, 1);
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
