using GanSharp.Layers;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Layers;

public class LayerStateOwnershipTests
{
    [Fact]
    public void LayersBuiltInsideADisposeScopeOutliveIt()
    {
        SNLinear lin;
        SNConv2d conv;
        MinibatchDiscrimination mbd;
        VirtualBatchNorm vbn;
        MaxoutLinear maxout;
        using (NewDisposeScope())
        {
            lin = new SNLinear(4, 3);
            conv = new SNConv2d(2, 3, 3, padding: 1);
            mbd = new MinibatchDiscrimination(4, kernels: 2, kernelDim: 3);
            vbn = new VirtualBatchNorm(3);
            maxout = new MaxoutLinear(4, 3, pieces: 2);
        }
        using var scope = NewDisposeScope();
        using (lin) using (conv) using (mbd) using (vbn) using (maxout)
        {
            Assert.Equal(new long[] { 5, 3 }, lin.forward(randn(5, 4)).shape);
            Assert.Equal(new long[] { 5, 3, 4, 4 }, conv.forward(randn(5, 2, 4, 4)).shape);
            Assert.Equal(new long[] { 5, 6 }, mbd.forward(randn(5, 4)).shape);
            vbn.SetReference(randn(5, 3));
            Assert.Equal(new long[] { 5, 3 }, vbn.forward(randn(5, 3)).shape);
            Assert.Equal(new long[] { 5, 3 }, maxout.forward(randn(5, 4)).shape);
            Assert.Equal(4, lin.parameters().Count() + lin.buffers().Count());
        }
    }
}
