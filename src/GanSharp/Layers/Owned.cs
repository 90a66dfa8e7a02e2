using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanSharp.Layers;

/// <summary>
/// Parameters and buffers a layer keeps: taken out of any dispose scope open while the layer is built, as
/// TorchSharp's own modules do, so a caller's scope never frees a layer's state.
/// </summary>
internal static class Owned
{
    public static Parameter Parameter(Tensor data)
    {
        var p = new Parameter(data);
        p.DetachFromDisposeScope();
        return p;
    }

    public static Tensor Buffer(Tensor data)
    {
        data.DetachFromDisposeScope();
        return data;
    }
}
