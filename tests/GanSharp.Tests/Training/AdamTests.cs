using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Training;

public class AdamTests
{
    [Fact]
    public void MatchesTorchSharpAdamBitForBit()
    {
        manual_seed(0);
        using var a = nn.Linear(5, 3);
        using var b = nn.Linear(5, 3);
        using (no_grad()) foreach (var (pa, pb) in a.parameters().Zip(b.parameters())) pb.copy_(pa);
        var ours = new Adam(a.named_parameters(), 1e-2, 0.5, 0.999);
        var theirs = optim.Adam(b.parameters(), 1e-2, 0.5, 0.999);
        for (int i = 0; i < 10; i++)
        {
            using var x = randn(8, 5);
            ours.ZeroGrad();
            a.call(x).pow(2).mean().backward();
            ours.Step();
            theirs.zero_grad();
            b.call(x).pow(2).mean().backward();
            theirs.step();
        }
        foreach (var (pa, pb) in a.parameters().Zip(b.parameters()))
            Assert.Equal(pb.bytes.ToArray(), pa.bytes.ToArray());
        Assert.Equal(10, ours.StepCount);
    }

    [Fact]
    public void FirstStepMovesEachWeightByLearningRateAgainstTheGradientSign()
    {
        // With bias correction, step 1 is lr · g/(|g| + eps) ≈ lr · sign(g).
        using var w = nn.Parameter(tensor(new[] { 1f, -2f, 3f }));
        var adam = new Adam(new[] { ("w", w) }, 0.1, 0.9, 0.999);
        (w * tensor(new[] { 2f, -3f, 0.5f })).sum().backward();
        adam.Step();
        var got = w.data<float>().ToArray();
        Assert.Equal(new[] { 0.9f, -1.9f, 2.9f }, got.Select(v => MathF.Round(v, 5)).ToArray());
    }
}
