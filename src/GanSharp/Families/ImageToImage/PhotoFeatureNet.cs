using GanSharp.Performance;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.ImageToImage;

/// <summary>
/// The project's own photo feature network, a small VGG-style CNN that stands in for VGG-19 where ImageNet weights
/// cannot be downloaded: SRGAN's content loss is taken on its last feature map (<see cref="FeatureMap"/>, after the
/// ReLU, like VGG's φ5,4), and the feature-FID/KID of <c>eval-sr</c> on its global average (<see cref="Pooled"/>).
/// It is trained self-supervised on photo patches: predict by how much (0°, 90°, 180°, 270°) a patch was rotated
/// (Gidaris et al. 2018), see <see cref="TrainRotation"/>. Input N×3×H×W in [-1, 1] (H, W multiples of 8):
/// <code>
/// conv 3→32 (H) · conv 32→32 stride 2 (H/2) · conv 32→64 · maxpool (H/4) · conv 64→128 · maxpool (H/8) · conv 128→128 = φ
/// </code>
/// every conv 3×3 with BatchNorm and ReLU; the rotation head is a linear layer on the pooled φ. At 96×96 the trunk
/// costs 135 M multiply-adds (0.27 GFLOP, see <see cref="MultiplyAdds"/>), φ is 128×12×12.
/// </summary>
public sealed class PhotoFeatureNet : Module<Tensor, Tensor>
{
    public const string Arch = "photo-featnet-v1";
    public const int Channels = 128;
    public const int Rotations = 4;

    /// <summary>The committed weights (src/GanSharp/Families/ImageToImage/Weights/photo-featnet.ckpt, see its README).</summary>
    public const string CommittedName = "photo-featnet";
    public const string CommittedResource = "GanSharp.Families.ImageToImage.Weights.photo-featnet.ckpt";
    public const string CommittedSha256 = "5b9cc5b11e6eee38cb86203cf2004f6cd88fd9ee40b6b0c636bf88fbb6a7c0e1";

    private readonly Sequential trunk;
    private readonly Linear head;

    public PhotoFeatureNet() : base(nameof(PhotoFeatureNet))
    {
        static (string, Module<Tensor, Tensor>)[] Block(int i, int cin, int cout, int stride = 1) =>
        [
            ($"conv{i}", Conv2d(cin, cout, 3, stride: stride, padding: 1, bias: false)),
            ($"bn{i}", BatchNorm2d(cout)),
            ($"relu{i}", ReLU()),
        ];
        trunk = Sequential(
            Block(1, 3, 32)                                   // 32 × H × W
            .Concat(Block(2, 32, 32, stride: 2))              // 32 × H/2
            .Concat(Block(3, 32, 64))                         // 64 × H/2
            .Append(("pool3", (Module<Tensor, Tensor>)MaxPool2d(2)))   // 64 × H/4
            .Concat(Block(4, 64, 128))                        // 128 × H/4
            .Append(("pool4", (Module<Tensor, Tensor>)MaxPool2d(2)))   // 128 × H/8
            .Concat(Block(5, 128, Channels))                  // 128 × H/8: φ
            .ToArray());
        head = Linear(Channels, Rotations);
        RegisterComponents();
    }

    /// <summary>φ: the last feature map after its ReLU, N×128×H/8×W/8.</summary>
    public Tensor FeatureMap(Tensor x) => trunk.call(x);

    /// <summary>φ averaged over positions: N×128 (features for FID/KID).</summary>
    public Tensor Pooled(Tensor x)
    {
        using var f = FeatureMap(x);
        return f.mean(new long[] { 2, 3 });
    }

    /// <summary>Rotation logits, N×4 (0°, 90°, 180°, 270° counter-clockwise).</summary>
    public override Tensor forward(Tensor x)
    {
        using var p = Pooled(x);
        return head.call(p);
    }

    /// <summary>Multiply-adds of the trunk for one C×H×W image (H, W multiples of 8).</summary>
    public static long MultiplyAdds(int height, int width)
    {
        long px = (long)height * width;
        return 9 * (3L * 32 * px + 32L * 32 * px / 4 + 32L * 64 * px / 4 + 64L * 128 * px / 16 + 128L * Channels * px / 64);
    }

    // ---- weights files -------------------------------------------------------------------------------------

    /// <summary>Writes the weights and <paramref name="header"/> (plus "arch") as a GanSharp checkpoint file.</summary>
    public void Save(string path, JsonObject header)
    {
        header["arch"] = Arch;
        CheckpointFile.Save(path, header, state_dict().Select(kv => (kv.Key, kv.Value)));
    }

    /// <summary>
    /// Loads a network by name or path: "photo-featnet" (the committed weights, embedded in the assembly and checked
    /// by SHA-256) or a weights file written by <see cref="Save"/>. Returns it in eval mode with frozen parameters,
    /// its name and the file's SHA-256.
    /// </summary>
    public static (PhotoFeatureNet Net, string Name, string Sha256) Load(string nameOrPath)
    {
        byte[] bytes;
        string source;
        if (nameOrPath == CommittedName)
        {
            using var s = typeof(PhotoFeatureNet).Assembly.GetManifestResourceStream(CommittedResource)
                ?? throw new DataException($"the committed photo feature network ({CommittedResource}) is missing from the GanSharp assembly: rebuild from a checkout with src/GanSharp/Families/ImageToImage/Weights, or pass a weights file");
            using var m = new MemoryStream();
            s.CopyTo(m);
            bytes = m.ToArray();
            source = "embedded " + CommittedResource;
        }
        else
        {
            if (!File.Exists(nameOrPath))
                throw new DataException($"photo feature network '{nameOrPath}' does not exist: use '{CommittedName}' or a file written by 'gansharp featnet train'");
            bytes = File.ReadAllBytes(nameOrPath);
            source = nameOrPath;
        }
        string hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (nameOrPath == CommittedName && CommittedSha256 != "" && hash != CommittedSha256)
            throw new DataException($"{source} has SHA-256 {hash}, expected {CommittedSha256}: restore photo-featnet.ckpt from git and rebuild");
        string tmp = Path.Combine(Path.GetTempPath(), $"gansharp-featnet-{Environment.ProcessId}-{Guid.NewGuid():N}.ckpt");
        JsonObject header;
        Dictionary<string, Tensor> tensors;
        try
        {
            File.WriteAllBytes(tmp, bytes);
            (header, tensors) = CheckpointFile.Load(tmp);
        }
        catch (CheckpointException e)
        {
            throw new DataException($"'{source}' is not a photo feature network weights file ({e.Message.Replace(tmp, "file")})");
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
        var net = new PhotoFeatureNet();
        try
        {
            if ((string?)header["arch"] != Arch)
                throw new DataException($"'{source}' holds '{(string?)header["arch"] ?? "?"}' weights, not {Arch}: pass a file written by 'gansharp featnet train'");
            Trainer.LoadModule(net, "", tensors);
        }
        catch
        {
            net.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
        net.eval();
        foreach (var p in net.parameters()) p.requires_grad = false;
        return (net, nameOrPath == CommittedName ? CommittedName : Path.GetFileName(nameOrPath), hash);
    }

    // ---- self-supervised training ----------------------------------------------------------------------------

    /// <summary>
    /// Trains a fresh network to predict the rotation of photo patches: each step takes <paramref name="batch"/>
    /// random patches of <paramref name="patches"/> (uint8 N×3×S×S), randomly mirrored, each in all four rotations
    /// (4·batch images, balanced labels), and descends the cross-entropy with Adam (β 0.9, 0.999) whose learning rate
    /// follows a cosine from <paramref name="lr"/> to 0. Deterministic for a seed and thread count.
    /// <paramref name="progress"/> gets (step, mean loss and accuracy over the steps since its last call) every
    /// <paramref name="logEvery"/> steps.
    /// </summary>
    public static PhotoFeatureNet TrainRotation(Tensor patches, int steps, int batch = 32, double lr = 2e-3, long seed = 1,
        int logEvery = 50, Action<int, double, double>? progress = null)
    {
        if (patches.dtype != ScalarType.Byte || patches.dim() != 4 || patches.shape[1] != 3 || patches.shape[2] != patches.shape[3] || patches.shape[2] % 8 != 0)
            throw new ArgumentException($"rotation training takes uint8 N×3×S×S patches with S a multiple of 8, got {patches.dtype} [{string.Join("×", patches.shape)}]");
        if (steps < 1 || batch < 1) throw new ArgumentOutOfRangeException(nameof(steps), $"steps and batch must be positive, got {steps}, {batch}");
        manual_seed(seed);
        var net = new PhotoFeatureNet();
        using var g = new Generator((ulong)ShuffledBatches.MixSeed(seed, -71));
        using var opt = optim.Adam(net.parameters(), lr, 0.9, 0.999);
        net.train();
        double lossSum = 0, accSum = 0;
        int count = 0;
        // Scalars kept alive through the native calls that read them (see ImageTensor.Load on implicit temporaries).
        using Scalar scale = 127.5, one = 1, half = 0.5;
        for (int step = 1; step <= steps; step++)
        {
            NativeGarbage.AfterStep(step - 1);   // frees finalizer-held native memory (implicit Scalars)
            using var scope = NewDisposeScope();
            foreach (var group in opt.ParamGroups) group.LearningRate = lr * 0.5 * (1 + Math.Cos(Math.PI * (step - 1) / steps));
            var idx = randint(0, patches.shape[0], new long[] { batch }, generator: g); // cpu: featnet train runs on the CPU
            var x = patches.index_select(0, idx).to_type(ScalarType.Float32).div_(scale).sub_(one);
            var flip = rand(new long[] { batch, 1, 1, 1 }, generator: g).lt(half); // cpu: featnet train runs on the CPU
            x = where(flip, x.flip(3), x);
            var (inputs, labels) = AllRotations(x);
            opt.zero_grad();
            var logits = net.call(inputs);
            var loss = nn.functional.cross_entropy(logits, labels);
            loss.backward();
            opt.step();
            lossSum += loss.item<float>();
            accSum += logits.argmax(1).eq(labels).to_type(ScalarType.Float32).mean().item<float>();
            count++;
            if (step % logEvery == 0 || step == steps)
            {
                progress?.Invoke(step, lossSum / count, accSum / count);
                lossSum = accSum = 0;
                count = 0;
            }
        }
        net.eval();
        return net;
    }

    /// <summary>Each image in its four rotations (k·90° counter-clockwise, k = 0..3), and the labels k.</summary>
    public static (Tensor Images, Tensor Labels) AllRotations(Tensor x)
    {
        long n = x.shape[0];
        var images = cat(Enumerable.Range(0, Rotations).Select(k => k == 0 ? x : x.rot90(k, (2, 3))).ToList(), 0);
        var labels = arange(Rotations, dtype: ScalarType.Int64).repeat_interleave(n); // cpu: featnet train runs on the CPU
        return (images, labels);
    }

    /// <summary>Rotation accuracy on <paramref name="patches"/> (uint8, each in all four rotations), in eval mode.</summary>
    public double RotationAccuracy(Tensor patches, int batch = 64)
    {
        bool was = training;
        eval();
        try
        {
            using var _ = inference_mode();
            long correct = 0, total = 0;
            using Scalar scale = 127.5, one = 1;   // kept alive through the native calls (see ImageTensor.Load)
            for (long i = 0; i < patches.shape[0]; i += batch)
            {
                using var scope = NewDisposeScope();
                var x = patches.narrow(0, i, Math.Min(batch, patches.shape[0] - i)).to_type(ScalarType.Float32).div(scale).sub(one);
                var (inputs, labels) = AllRotations(x);
                correct += call(inputs).argmax(1).eq(labels).sum().item<long>();
                total += labels.shape[0];
            }
            return (double)correct / total;
        }
        finally
        {
            if (was) train();
        }
    }
}
