using GanSharp.Attacks;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Attacks;

public class MaxoutNetworkTests
{
    [Fact]
    public void ParameterCountIsTheTwoMaxoutLayersAndTheSoftmaxLayer()
    {
        using var net = new MaxoutNetwork(units: 240, pieces: 5);
        long count = net.parameters().Sum(p => p.numel());
        long expected = (784 * 1200 + 1200) + (240 * 1200 + 1200) + (240 * 10 + 10);   // 784→240×5, 240→240×5, 240→10
        Assert.Equal(expected, count);
        Assert.Equal(1_233_610, count);
    }

    [Fact]
    public void EachUnitIsTheMaxOfItsPiecesAndDropoutActsOnlyInTraining()
    {
        manual_seed(1);
        using var net = new MaxoutNetwork(units: 3, pieces: 2, inputs: 4, classes: 2);
        using var x = rand(5, 4);
        net.eval();
        using var a = net.call(x);
        using var b = net.call(x);
        Assert.True(a.equal(b).all().item<bool>());                        // eval: no dropout, deterministic
        // by hand: h1 = max over pieces of (x W1ᵀ + b1), h2 likewise, logits = h2 W3ᵀ + b3
        var ps = net.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Tensor Maxout(Tensor h, string layer) =>
            nn.functional.linear(h, ps[$"{layer}.linear.weight"], ps[$"{layer}.linear.bias"]).reshape(h.shape[0], 3, 2).amax(2);
        using var expected = nn.functional.linear(Maxout(Maxout(x.flatten(1), "hidden1"), "hidden2"), ps["output.weight"], ps["output.bias"]);
        Assert.True(a.allclose(expected, rtol: 1e-6, atol: 1e-6));
        Assert.Equal(new long[] { 5, 2 }, a.shape);
        net.train();
        manual_seed(2);
        using var c = net.call(x);
        Assert.False(c.allclose(a));                                   // training: dropout changes the output
    }

    [Fact]
    public void AdversarialTrainingOfAMaxoutNetworkLowersItsObjective()
    {
        manual_seed(3);
        using var x = rand(256, 1, 28, 28);
        using var y = (x.flatten(1).mean([1]) > x.flatten(1).mean().item<float>()).to_type(ScalarType.Int64);   // a learnable rule
        var losses = new List<double>();
        using var net = AdversarialTraining.Train(() => new MaxoutNetwork(units: 16, pieces: 2), (m, b) => m.call(b), x, y,
            new AdversarialTrainOptions { Epochs = 6, Batch = 64, Lr = 3e-3, Alpha = 0.5, Eps = 0.05, Seed = 1 }, progress: e => losses.Add(e.Loss));
        Assert.Equal(6, losses.Count);
        Assert.True(losses[^1] < losses[0] * 0.9, $"objective {losses[0]:F4} → {losses[^1]:F4}");
        Assert.False(net.training);                                   // returned in eval mode
    }
}
