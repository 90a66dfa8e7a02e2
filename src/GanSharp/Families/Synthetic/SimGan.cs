using TorchSharp;
using TorchSharp.Modules;
using GanSharp.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.Synthetic;

/// <summary>
/// SimGAN's refiner R (Shrivastava et al. 2017, "Learning from Simulated and Unsupervised Images through Adversarial
/// Training"): a fully convolutional ResNet without striding or pooling, so it can change pixels but not move
/// content; the output has the input's size, in [-1, 1] (tanh).
/// </summary>
public sealed class Refiner : Module<Tensor, Tensor>
{
    private readonly Sequential body;

    public Refiner(int channels = 1, int width = 64, int blocks = 4) : base(nameof(Refiner))
    {
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("stem", Conv2d(channels, width, 3, padding: 1)),                 // width × H × W
            ("stem_relu", ReLU()),
        };
        for (int i = 0; i < blocks; i++) layers.Add(($"block{i}", new ResidualBlock(width)));  // width × H × W
        layers.Add(("out", Conv2d(width, channels, 1)));                    // channels × H × W
        layers.Add(("tanh", Tanh()));
        body = Sequential(layers);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => body.forward(x);

    /// <summary>Two 3×3 convolutions with a skip: x + conv(relu(conv(x))), then ReLU.</summary>
    private sealed class ResidualBlock : Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1, conv2;

        public ResidualBlock(int width) : base(nameof(ResidualBlock))
        {
            conv1 = Conv2d(width, width, 3, padding: 1);
            conv2 = Conv2d(width, width, 3, padding: 1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => functional.relu(x + conv2.forward(functional.relu(conv1.forward(x))));
    }
}

/// <summary>
/// SimGAN's local discriminator: a small convolutional net whose output is a map of logits, one per image patch
/// (receptive field), rather than one score per image. <see cref="ProbabilityMap"/> gives the probability that each
/// patch is real. For a 28×28 input the map is 7×7; for 64×64, 16×16. With <c>global: true</c> the map is averaged
/// to one logit per image (the ablation without the local loss).
/// </summary>
public sealed class LocalDiscriminator : Module<Tensor, Tensor>
{
    private readonly Sequential body;
    private readonly bool global;

    public LocalDiscriminator(int channels = 1, int width = 32, bool global = false) : base(nameof(LocalDiscriminator))
    {
        this.global = global;
        body = Sequential(
            ("conv1", Conv2d(channels, 3 * width, 3, stride: 2, padding: 1)), // 3w × H/2 × W/2
            ("relu1", LeakyReLU(0.2)),
            ("conv2", Conv2d(3 * width, 2 * width, 3, stride: 2, padding: 1)), // 2w × H/4 × W/4
            ("relu2", LeakyReLU(0.2)),
            ("pool", MaxPool2d(3, stride: 1, padding: 1)),                    // 2w × H/4 × W/4
            ("conv3", Conv2d(2 * width, width, 3, padding: 1)),               // w × H/4 × W/4
            ("relu3", LeakyReLU(0.2)),
            ("conv4", Conv2d(width, width, 1)),                               // w × H/4 × W/4
            ("relu4", LeakyReLU(0.2)),
            ("logits", Conv2d(width, 1, 1)));                                 // 1 × H/4 × W/4
        RegisterComponents();
    }

    /// <summary>Logits, B×1×h×w (B×1×1×1 when global).</summary>
    public override Tensor forward(Tensor x)
    {
        var map = body.forward(x);
        return global ? map.mean([2, 3], keepdim: true) : map;
    }

    /// <summary>The probability that each patch is real, B×1×h×w.</summary>
    public Tensor ProbabilityMap(Tensor x) => functional.sigmoid(forward(x));
}

/// <summary>
/// SimGAN's history of refined images: D sees, in each fake batch, half images from the current refiner and half
/// drawn from a buffer of images refined earlier, so it does not forget artefacts R produced before and R cannot
/// bring them back. After each use half of the current batch goes into the buffer, replacing random entries once it
/// is full. All randomness comes from the <see cref="Generator"/> passed in; the caller checkpoints that
/// generator's state beside <see cref="State"/>.
/// </summary>
public sealed class RefinedHistoryBuffer : IDisposable
{
    private readonly Generator rng;
    private Tensor? images;   // capacity × C × H × W once the first batch arrives
    private long count;

    public RefinedHistoryBuffer(int capacity, Generator rng)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), $"the history buffer needs a positive capacity, got {capacity}");
        Capacity = capacity;
        this.rng = rng;
    }

    public int Capacity { get; }
    public long Count => count;

    /// <summary>
    /// The fake batch for D: of a current batch of B refined images, the first B − ⌊B/2⌋ stay and the last ⌊B/2⌋
    /// are replaced by ⌊B/2⌋ distinct images drawn at random from the buffer (when it holds that many; before that
    /// the batch is returned as it is). Then the first ⌊B/2⌋ current images are pushed. The input is detached.
    /// </summary>
    public Tensor Mix(Tensor current)
    {
        using var scope = NewDisposeScope();
        var cur = current.detach();
        long b = cur.shape[0], half = b / 2;
        Tensor mixed = cur.clone();
        if (half > 0 && count >= half)
            mixed = cat([cur.narrow(0, 0, b - half), Sample(half)], 0);
        if (half > 0) Push(cur.narrow(0, 0, half));
        return mixed.MoveToOuterDisposeScope();
    }

    /// <summary><paramref name="n"/> distinct buffered images, chosen uniformly (n ≤ <see cref="Count"/>).</summary>
    public Tensor Sample(long n)
    {
        if (n > count) throw new ArgumentOutOfRangeException(nameof(n), $"asked for {n} images, the buffer holds {count}");
        var pick = Devices.Randperm(count, rng, images!.device).narrow(0, 0, n);
        return images!.index_select(0, pick);
    }

    /// <summary>Adds images: into free slots first, then over distinct random slots.</summary>
    public void Push(Tensor batch)
    {
        using var scope = NewDisposeScope();
        var x = batch.detach();
        if (images is null)
            images = zeros([Capacity, .. x.shape[1..]], dtype: x.dtype, device: x.device).DetachFromDisposeScope();   // lives as long as the buffer
        else if (images.device_type != x.device_type)
        {
            var moved = images.to(x.device).DetachFromDisposeScope();          // a buffer restored on the CPU joins its images' device
            images.Dispose();
            images = moved;
        }
        long n = x.shape[0];
        long free = Math.Min(n, Capacity - count);
        if (free > 0)
        {
            images.narrow(0, count, free).copy_(x.narrow(0, 0, free));
            count += free;
        }
        long rest = n - free;
        if (rest > 0)
        {
            // More new images than the whole buffer: only the last Capacity of them can stay.
            var src = x.narrow(0, free, rest);
            if (rest > Capacity) { src = src.narrow(0, rest - Capacity, Capacity); rest = Capacity; }
            var slots = Devices.Randperm(Capacity, rng, images.device).narrow(0, 0, rest);
            images.index_copy_(0, slots, src);
        }
    }

    /// <summary>The buffered images, Count × C × H × W (empty 0-row tensor before the first push): save it in a checkpoint.</summary>
    public Tensor State() => images is null ? zeros(0) : images.narrow(0, 0, count).clone(); // cpu: an empty checkpoint entry

    /// <summary>Restores <see cref="State"/> (the generator's state is restored by its owner).</summary>
    public void Load(Tensor state)
    {
        if (state.dim() == 1 && state.shape[0] == 0) { images?.Dispose(); images = null; count = 0; return; }
        if (state.shape[0] > Capacity)
            throw new ArgumentException($"the saved history buffer holds {state.shape[0]} images, more than its capacity {Capacity}");
        images?.Dispose();
        images = zeros([Capacity, .. state.shape[1..]], dtype: state.dtype, device: state.device).DetachFromDisposeScope();
        images.narrow(0, 0, state.shape[0]).copy_(state);
        count = state.shape[0];
    }

    public void Dispose() => images?.Dispose();
}

/// <summary>SimGAN's losses as pure functions of tensors.</summary>
public static class SimGanLosses
{
    /// <summary>
    /// λ · ‖R(x) − x‖₁: the L1 distance summed over each image's pixels, averaged over the batch (paper eq. 4 sums
    /// per image; the batch mean keeps λ independent of the batch size).
    /// </summary>
    public static Tensor SelfRegularization(Tensor refined, Tensor synthetic, double lambda) =>
        (refined - synthetic).abs().flatten(1).sum(1).mean() * lambda;

    /// <summary>
    /// The local adversarial loss: binary cross-entropy of every patch logit against the target (1 = real),
    /// summed over the patches of an image and averaged over the batch. For R use target real on refined images
    /// (the non-saturating form of −log(1 − D(R(x))) with D's output meaning "refined").
    /// </summary>
    public static Tensor LocalAdversarial(Tensor logitMap, bool real)
    {
        var target = real ? ones_like(logitMap) : zeros_like(logitMap);
        return functional.binary_cross_entropy_with_logits(logitMap, target, reduction: Reduction.None).flatten(1).sum(1).mean();
    }
}
