using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.ImageToImage;

/// <summary>
/// SRGAN's discriminator (Ledig et al. 2017): eight 3×3 convolutions from w to 8w channels (w = 64), strides
/// alternating 1 and 2, BatchNorm on all but the first, LeakyReLU(0.2); dense 1024, LeakyReLU; dense 1. It returns
/// the logit (N×1): the sigmoid lives in the loss. As in the paper the dense layer sees the whole flattened map, so
/// it is built for one HR crop size (the flattened size is 8w·⌈H/16⌉·⌈W/16⌉, each stride-2 conv giving ⌈n/2⌉).
/// </summary>
public sealed class SrganDiscriminator : Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly Sequential head;

    public SrganDiscriminator(int cropHeight = 96, int cropWidth = 96, int imageChannels = 3, int width = 64)
        : base(nameof(SrganDiscriminator))
    {
        if (cropHeight < 1 || cropWidth < 1) throw new ArgumentOutOfRangeException(nameof(cropHeight), $"crop size must be positive, got {cropHeight}x{cropWidth}");
        CropHeight = cropHeight;
        CropWidth = cropWidth;
        int[] mult = [1, 1, 2, 2, 4, 4, 8, 8];
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        int cin = imageChannels, h = cropHeight, w = cropWidth;
        for (int i = 0; i < 8; i++)
        {
            int stride = i % 2 == 0 ? 1 : 2, cout = width * mult[i];
            layers.Add(($"conv{i}", Conv2d(cin, cout, 3, stride: stride, padding: 1, bias: i == 0)));   // cout × ⌈h/stride⌉ × ⌈w/stride⌉
            if (i > 0) layers.Add(($"bn{i}", BatchNorm2d(cout)));
            layers.Add(($"lrelu{i}", LeakyReLU(0.2)));
            cin = cout;
            if (stride == 2) { h = (h + 1) / 2; w = (w + 1) / 2; }
        }
        FlattenedSize = (long)cin * h * w;                                    // 8w · ⌈H/16⌉ · ⌈W/16⌉
        features = Sequential(layers);
        head = Sequential(
            ("flatten", Flatten()),
            ("dense1", Linear(FlattenedSize, 1024)),                           // 1024
            ("lrelu", LeakyReLU(0.2)),
            ("dense2", Linear(1024, 1)));                                      // logit
        RegisterComponents();
    }

    public int CropHeight { get; }
    public int CropWidth { get; }

    /// <summary>Inputs to the first dense layer.</summary>
    public long FlattenedSize { get; }

    public override Tensor forward(Tensor hr)
    {
        if (hr.dim() != 4 || hr.shape[2] != CropHeight || hr.shape[3] != CropWidth)
            throw new ArgumentException(
                $"SRGAN discriminator was built for {CropHeight}×{CropWidth} crops, got shape [{string.Join(", ", hr.shape)}]", nameof(hr));
        using var f = features.forward(hr);
        return head.forward(f);
    }
}
