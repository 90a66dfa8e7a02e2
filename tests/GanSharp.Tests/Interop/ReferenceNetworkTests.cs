using GanSharp.Interop;
using GanSharp.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Tests.Interop;

/// <summary>
/// The exported files loaded into networks written exactly as pytorch/examples dcgan/main.py writes them (an
/// unnamed nn.Sequential called main, so TorchSharp names its tensors main.0.weight, … as PyTorch does) give the
/// outputs of our networks: the names, the order of the layers and the reshaped head all match.
/// </summary>
public class ReferenceNetworkTests
{
    private sealed class Reference : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> main;

        public Reference(Module<Tensor, Tensor> main) : base("Reference")
        {
            this.main = main;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => main.call(x);

        /// <summary>The output before the last layer (D's logit, before the reference's Sigmoid).</summary>
        public Tensor BeforeLast(Tensor x)
        {
            foreach (var m in main.children().SkipLast(1)) x = ((Module<Tensor, Tensor>)m).call(x);
            return x;
        }
    }

    /// <summary>max |a − b| relative to max |a|: the tiny networks here have small outputs (N(0, 0.02) weights).</summary>
    private static float RelativeDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>() / a.abs().max().item<float>();

    /// <summary>Generator(nz, ngf, nc): ConvT(nz, top, 4, 1, 0), BN, ReLU, [ConvT(c, c/2, 4, 2, 1), BN, ReLU]…, ConvT(ngf, nc, 4, 2, 1), Tanh.</summary>
    private static Reference PyTorchGenerator(int blocks, int nz, int ngf, int nc)
    {
        int c = ngf << (blocks - 1);
        var layers = new List<Module<Tensor, Tensor>> { ConvTranspose2d(nz, c, 4, stride: 1, padding: 0L, bias: false), BatchNorm2d(c), ReLU() };
        for (int i = 1; i < blocks; i++, c /= 2)
            layers.AddRange(new Module<Tensor, Tensor>[] { ConvTranspose2d(c, c / 2, 4, stride: 2, padding: 1, bias: false), BatchNorm2d(c / 2), ReLU() });
        layers.AddRange(new Module<Tensor, Tensor>[] { ConvTranspose2d(ngf, nc, 4, stride: 2, padding: 1, bias: false), Tanh() });
        return new Reference(Sequential(layers));
    }

    /// <summary>Discriminator(ndf, nc): Conv(nc, ndf, 4, 2, 1), LReLU, [Conv(c, 2c, 4, 2, 1), BN, LReLU]…, Conv(top, 1, 4, 1, 0), Sigmoid.</summary>
    private static Reference PyTorchDiscriminator(int blocks, int ndf, int nc)
    {
        var layers = new List<Module<Tensor, Tensor>> { Conv2d(nc, ndf, 4, stride: 2, padding: 1, bias: false), LeakyReLU(0.2) };
        int c = ndf;
        for (int i = 1; i < blocks; i++, c *= 2)
            layers.AddRange(new Module<Tensor, Tensor>[] { Conv2d(c, c * 2, 4, stride: 2, padding: 1, bias: false), BatchNorm2d(c * 2), LeakyReLU(0.2) });
        layers.AddRange(new Module<Tensor, Tensor>[] { Conv2d(c, 1, 4, stride: 1, padding: 0L, bias: false), Sigmoid() });
        return new Reference(Sequential(layers));
    }

    /// <summary>load_state_dict(strict=True): the same names, the same shapes, every tensor copied.</summary>
    private static void LoadStrict(Module module, string file)
    {
        var (tensors, _) = SafeTensors.Load(file);
        var sd = module.state_dict();
        Assert.Equal(sd.Keys.Order(), tensors.Keys.Order());
        using (no_grad())
            foreach (var (k, v) in sd)
            {
                Assert.Equal(v.shape, tensors[k].shape);
                v.copy_(tensors[k]);
            }
        foreach (var t in tensors.Values) t.Dispose();
    }

    [Theory]
    [InlineData(32, 3)]
    [InlineData(64, 4)]
    public void ExportedNetworksRunInThePyTorchExamplesLayout(int size, int blocks)
    {
        set_num_threads(1);
        using var tmp = new TestUtil.TempDir();
        string run = DcganInteropTests.TinyDcgan32Run(tmp.Path, ema: 0, out var data, size, width: 4);
        using var _ = data;
        string file = Path.Combine(tmp.Path, "net.safetensors");
        var r = ModelExport.Export(run, file, withD: true);
        Assert.Equal(("pytorch", "pytorch"), (r.GeneratorNames, r.DiscriminatorNames));

        using var sampler = Sampler.Load(run); // our G and D from the same checkpoint, eval mode
        using var refG = PyTorchGenerator(blocks, nz: 6, ngf: 4, nc: 3);
        using var refD = PyTorchDiscriminator(blocks, ndf: 4, nc: 3);
        LoadStrict(refG, file);
        LoadStrict(refD, r.DiscriminatorPath!);
        refG.eval();
        refD.eval();

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var gen = new Generator(5);
        var z = randn(new long[] { 4, 6 }, generator: gen);
        var ours = sampler.System.G.call(z);
        var theirs = refG.call(z.reshape(4, 6, 1, 1));
        Assert.True(ours.abs().max().item<float>() > 0, "G's output is all zero: the comparison would prove nothing");
        Assert.True(RelativeDiff(ours, theirs) < 1e-4f, $"G differs from the reference layout ({RelativeDiff(ours, theirs)})");
        Assert.True(ours.std().item<float>() > 1e-3f * ours.abs().max().item<float>()); // not a constant image

        var x = rand(new long[] { 4, 3, size, size }, generator: gen) * 2 - 1;
        var ourLogit = sampler.System.D.call(x);             // our D gives the logit
        var theirLogit = refD.BeforeLast(x).view(-1);        // the reference's last Conv2d, before its Sigmoid
        Assert.True(RelativeDiff(ourLogit, theirLogit) < 1e-4f, $"D differs from the reference layout ({RelativeDiff(ourLogit, theirLogit)})");
        // The logits vary between inputs by far more than the tolerance (std ≈ 4% of their size here).
        Assert.True(ourLogit.std().item<float>() > 0.01f * ourLogit.abs().max().item<float>());
        Assert.True((sigmoid(ourLogit) - refD.call(x).view(-1)).abs().max().item<float>() < 1e-6f);
    }
}
