using System.Security.Cryptography;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>The value range a TorchScript network expects; GanSharp images are in [-1, 1].</summary>
public enum InputRange
{
    /// <summary>[-1, 1]: passed as they are.</summary>
    MinusOneToOne,

    /// <summary>[0, 1]: (x + 1) / 2.</summary>
    ZeroToOne,

    /// <summary>[0, 255] as float: (x + 1) * 127.5 (not rounded to integers).</summary>
    ZeroTo255,
}

/// <summary>
/// What a TorchScript feature network takes and how GanSharp feeds it. GanSharp converts N×C×H×W images in
/// [-1, 1] to <see cref="Range"/>, repeats a single channel to 3 when <see cref="InputShape"/> has 3, resizes
/// (bilinear, align_corners false, antialias off) to <see cref="InputShape"/>'s H×W when <see cref="Resize"/>,
/// and calls <c>forward(x, ExtraArgs...)</c>.
/// </summary>
public sealed record TorchScriptInputContract
{
    public InputRange Range { get; init; } = InputRange.ZeroToOne;

    /// <summary>C×H×W the network is given after conversion, e.g. [3, 299, 299].</summary>
    public long[] InputShape { get; init; } = [3, 299, 299];

    /// <summary>Resize to InputShape's H×W; false passes the images at their own size (the network resizes).</summary>
    public bool Resize { get; init; } = true;

    /// <summary>
    /// Extra positional arguments after the image, e.g. [true] for return_features. TorchSharp 0.107's
    /// ScriptModule passes only positional Tensor, Tensor[], Scalar, bool, int, long, float and double
    /// arguments: keyword arguments and None cannot be passed.
    /// </summary>
    public object[] ExtraArgs { get; init; } = [];

    /// <summary>Images per forward call.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>
    /// Generic default: float in [0, 1], N×3×299×299 (resized here), forward(x) returns the features.
    /// </summary>
    public static TorchScriptInputContract Default { get; } = new();

    /// <summary>
    /// The Inception-v3 TorchScript file of the StyleGAN2-ADA / clean-fid world (inception-2015-12-05.pt, a
    /// translation of TensorFlow's 2015-12-05 graph): float images in [0, 255], N×3×H×W at any size (it resizes
    /// to 299×299 itself), and forward(img, return_features=True) gives the 2048-D pool features. Its forward is
    /// forward(img, return_features: bool = False, use_fp16: bool = False, no_output_bias: bool = False), so
    /// return_features is passed positionally as the first extra argument. Not tested here (the file is not
    /// committed: about 100 MB). Note pytorch-fid's pt_inception-2015-12-05-*.pth is a state dict, not
    /// TorchScript, and cannot be loaded by TorchSharp.
    /// </summary>
    public static TorchScriptInputContract StyleGanInception { get; } = new()
    {
        Range = InputRange.ZeroTo255,
        InputShape = [3, 299, 299],
        Resize = false,
        ExtraArgs = [true],
        BatchSize = 100,
    };

    /// <summary>The Inception contract for files named inception-2015-12-05*, otherwise <see cref="Default"/>.</summary>
    public static TorchScriptInputContract ForFile(string path) =>
        Path.GetFileName(path).StartsWith("inception-2015-12-05", StringComparison.OrdinalIgnoreCase) ? StyleGanInception : Default;
}

/// <summary>
/// A TorchScript network made in PyTorch (torch.jit.script / trace, then save) as an <see cref="IFeatureNetwork"/>.
/// forward must return a tensor of features (N×D), or a tuple (features, logits). The input contract
/// (<see cref="TorchScriptInputContract"/>) says how GanSharp's [-1, 1] images are converted for it.
/// </summary>
public sealed class TorchScriptFeatureNetwork : IFeatureNetwork
{
    private readonly jit.ScriptModule _module;

    private TorchScriptFeatureNetwork(jit.ScriptModule module, string path, string hash, TorchScriptInputContract contract)
    {
        _module = module;
        Name = Path.GetFileName(path);
        Hash = hash;
        Contract = contract;
    }

    public string Name { get; }
    public string Hash { get; }
    public TorchScriptInputContract Contract { get; }

    /// <summary>C×H×W of GanSharp images accepted: the contract's shape with 1 channel allowed where it has 3.</summary>
    public long[] InputShape => Contract.InputShape;

    public int FeatureDim { get; private set; }
    public int NumClasses { get; private set; }

    /// <summary>Loads <paramref name="path"/> and runs one blank image through it to learn the output sizes.</summary>
    public static TorchScriptFeatureNetwork Load(string path, TorchScriptInputContract contract)
    {
        if (!File.Exists(path))
            throw new FeatureNetworkException($"TorchScript file '{path}' does not exist");
        if (contract.InputShape.Length != 3 || contract.BatchSize < 1)
            throw new ArgumentException("TorchScriptInputContract.InputShape must be C x H x W and BatchSize positive");
        string hash;
        using (var fs = File.OpenRead(path)) hash = System.Convert.ToHexStringLower(SHA256.HashData(fs));
        jit.ScriptModule module;
        try
        {
            module = jit.load(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new FeatureNetworkException($"'{path}' is not a TorchScript file TorchSharp can load ({FirstLine(e.Message)}): save it with torch.jit.save in PyTorch");
        }
        module.eval();
        var net = new TorchScriptFeatureNetwork(module, path, hash, contract);
        try
        {
            using var probe = full([1, .. contract.InputShape], -1f);
            var (f, l) = net.Forward(probe);
            net.FeatureDim = (int)f.shape[1];
            net.NumClasses = l is null ? 0 : (int)l.shape[1];
            f.Dispose();
            l?.Dispose();
        }
        catch
        {
            net.Dispose();
            throw;
        }
        return net;
    }

    /// <summary>The network's raw output for an already-converted batch (no range or size conversion).</summary>
    private Device _device = CPU;

    public void To(Device device)
    {
        _module.to(device);
        _device = device;
    }

    public object ForwardRaw(Tensor x) => _module.invoke("forward", [x, .. Contract.ExtraArgs]);

    public (Tensor Features, Tensor? Logits) Forward(Tensor images)
    {
        long[] want = Contract.InputShape;
        if (images.dim() != 4 || (images.shape[1] != want[0] && !(images.shape[1] == 1 && want[0] == 3)))
            throw new ArgumentException($"feature network '{Name}' takes N x {want[0]} x H x W images (or 1 channel, repeated), got [{string.Join(", ", images.shape)}]");
        _module.eval();
        var feats = new List<Tensor>();
        var logits = new List<Tensor>();
        using var scope = NewDisposeScope();
        using (inference_mode())
        {
            long n = images.shape[0];
            for (long i = 0; i < n; i += Contract.BatchSize)
            {
                var x = ToContract(images.narrow(0, i, Math.Min(Contract.BatchSize, n - i)));
                switch (ForwardRaw(x))
                {
                    case Tensor t:
                        feats.Add(t.flatten(1));
                        break;
                    case ValueTuple<Tensor, Tensor>(var f, var l):
                        feats.Add(f.flatten(1));
                        logits.Add(l.flatten(1));
                        break;
                    case var other:
                        throw new FeatureNetworkException($"TorchScript '{Name}' returned {other?.GetType().Name ?? "null"}: forward must return features, or (features, logits)");
                }
            }
        }
        var features = feats.Count == 0 ? zeros(0, FeatureDim) : cat(feats, 0).to(ScalarType.Float32).OnCpu();
        Tensor? logit = logits.Count == 0 ? null : cat(logits, 0).to(ScalarType.Float32).OnCpu();
        return (features.MoveToOuterDisposeScope(), logit?.MoveToOuterDisposeScope());
    }

    /// <summary>[-1, 1] N×C×H×W to the contract: range, channels, size.</summary>
    private Tensor ToContract(Tensor x)
    {
        x = x.to(ScalarType.Float32, _device);
        x = Contract.Range switch
        {
            InputRange.ZeroToOne => x.add(1).mul(0.5),
            InputRange.ZeroTo255 => x.add(1).mul(127.5),
            _ => x,
        };
        long[] want = Contract.InputShape;
        if (x.shape[1] == 1 && want[0] == 3) x = x.expand(-1, 3, -1, -1);
        if (Contract.Resize && (x.shape[2] != want[1] || x.shape[3] != want[2]))
            x = nn.functional.interpolate(x, [want[1], want[2]], mode: InterpolationMode.Bilinear, align_corners: false);
        return x.contiguous();
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    public void Dispose() => _module.Dispose();
}
