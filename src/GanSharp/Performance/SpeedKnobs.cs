using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Performance;

/// <summary>
/// The engine's speed knobs with every "auto" (null) option resolved to its measured default
/// (docs/performance.md). All but <see cref="ReuseDFake"/> leave results equal to the stock path: bit for bit
/// (<see cref="FreezeD"/>, <see cref="FusedAdam"/>, <see cref="Prefetch"/>) or within float rounding
/// (<see cref="ChannelsLast"/>, <see cref="FoldBatchNorm"/>, which change the order of floating-point operations).
/// </summary>
public sealed record SpeedKnobs(bool ChannelsLast, bool FreezeD, bool FusedAdam, bool Prefetch, bool FoldBatchNorm, bool ReuseDFake)
{
    /// <summary>Every knob off: the stock TorchSharp path.</summary>
    public static SpeedKnobs Stock { get; } = new(false, false, false, false, false, false);

    /// <summary>
    /// Resolves the options' knobs for these networks and examples. Auto defaults, from the measurements in
    /// docs/performance.md: channels-last for convolutional networks on images of at least 64×64 (0.89× time at
    /// 64×64, 1.05× at 28×28); freeze-d and fused Adam always (0.94× and 0.92× on dcgan64, fused Adam 0.93× on
    /// mlp2d, both bit-identical); prefetch and BatchNorm folding off (no gain measured: in-memory batches take
    /// microseconds to gather, and folding was 1.04× on dcgan64 sampling).
    /// </summary>
    public static SpeedKnobs Resolve(GanOptions o, nn.Module g, nn.Module d, long[] exampleShape)
    {
        bool conv = IsConvolutional(g) || IsConvolutional(d);
        bool large = exampleShape.Length == 3 && exampleShape[1] >= 64 && exampleShape[2] >= 64;
        return new SpeedKnobs(
            ChannelsLast: o.ChannelsLast ?? (conv && large),
            FreezeD: o.FreezeD ?? true,
            FusedAdam: o.FusedAdam ?? true,
            Prefetch: o.Prefetch ?? false,
            FoldBatchNorm: o.FoldBatchNorm ?? false,
            ReuseDFake: o.ReuseDFake);
    }

    /// <summary>The knobs that are on, e.g. "channels-last, freeze-d, prefetch" ("none": the stock path).</summary>
    public string Describe()
    {
        var on = new List<string>();
        if (ChannelsLast) on.Add("channels-last");
        if (FreezeD) on.Add("freeze-d");
        if (FusedAdam) on.Add("fused-adam");
        if (Prefetch) on.Add("prefetch");
        if (FoldBatchNorm) on.Add("fold-batch-norm");
        if (ReuseDFake) on.Add("reuse-d-fake (changes results)");
        return on.Count == 0 ? "none" : string.Join(", ", on);
    }

    public static bool IsConvolutional(nn.Module m) => m.parameters().Any(p => p.dim() == 4);

    /// <summary>Sets every knob of <paramref name="o"/> explicitly to off (the stock path), for tests and the bench.</summary>
    public static void SetStock(GanOptions o)
    {
        o.ChannelsLast = false;
        o.FreezeD = false;
        o.FusedAdam = false;
        o.Prefetch = false;
        o.FoldBatchNorm = false;
        o.ReuseDFake = false;
    }
}

/// <summary>
/// Channels-last (NHWC) memory layout for 4-D tensors. TorchSharp has no memory-format API, so the layout is made
/// with permute + contiguous + permute back: the logical shape stays N×C×H×W, the strides become NHWC, and
/// oneDNN convolutions then run in their faster layout and propagate it to their outputs.
/// </summary>
public static class ChannelsLast
{
    /// <summary>A channels-last copy of a 4-D tensor (other tensors are returned as they are).</summary>
    public static Tensor Of(Tensor x) =>
        x.dim() == 4 && !IsChannelsLast(x) ? x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : x;

    /// <summary>True when a 4-D tensor's strides are dense NHWC (dimensions of size 1 may have any stride, as in PyTorch).</summary>
    public static bool IsChannelsLast(Tensor x)
    {
        if (x.dim() != 4) return false;
        long[] s = x.stride(), n = x.shape;
        long expected = 1;
        foreach (int d in new[] { 1, 3, 2, 0 }) // C fastest, then W, H, N
        {
            if (n[d] != 1 && s[d] != expected) return false;
            expected *= n[d];
        }
        return true;
    }

    /// <summary>Re-lays every 4-D parameter and buffer of <paramref name="module"/> in place (the same Parameter objects).</summary>
    public static void Convert(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var (_, t) in module.state_dict())
        {
            if (t.dim() != 4 || IsChannelsLast(t)) continue;
            using var cl = Of(t);
            t.set_(cl);
        }
    }
}
