using GanSharp.Families.TextToImage;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.TextToImage;

/// <summary>
/// The pieces put together as a family will: a frozen pretrained text encoder, wrong captions, the three D passes,
/// GAN-INT, and StackGAN's two stages with the KL term. A few steps at tiny widths; every step in a DisposeScope.
/// </summary>
public class PiecesComposeTests
{
    public PiecesComposeTests() => set_num_threads(1);

    [Fact]
    public void GanIntClsStepsOnShapes()
    {
        using var data = CaptionedShapes.Generate(64, 16, seed: 1);
        using var encoders = JointEmbeddingTrainer.Train(data, 2, seed: 1, new JointEmbeddingOptions { BatchSize = 8, EmbeddingDim = 16, WordDim = 8, HiddenDim = 8, ImageWidth = 4 });
        var text = encoders.Text;
        foreach (var p in text.parameters()) p.requires_grad = false;      // frozen during GAN training
        var before = text.parameters().Select(p => p.clone()).ToList();
        manual_seed(2);
        using var g = new GanClsGenerator(32, embeddingDim: 16, zDim: 8, width: 4);
        using var d = new MatchingAwareDiscriminator(32, embeddingDim: 16, width: 4);
        using var optG = optim.Adam(g.parameters(), 2e-4, 0.5);
        using var optD = optim.Adam(d.parameters(), 2e-4, 0.5);
        var wrongText = WrongTextSampler.For(data);
        var captions = data.ExtraFields[CaptionFields.Captions];
        var counts = data.ExtraFields[CaptionFields.CaptionCount];
        using var gen = new Generator(3);
        var dLosses = new List<float>();
        for (int step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            var idx = randperm(data.Count, generator: gen).narrow(0, 0, 8);
            var real = nn.functional.interpolate(data.Gather(idx), new long[] { 32, 32 }, mode: InterpolationMode.Nearest);
            var (ids, mask) = CaptionFields.PickCaption(captions.index_select(0, idx), counts.index_select(0, idx), gen);
            var (wIds, wMask, _) = wrongText.SampleCaptions(idx, gen);
            Tensor right, wrong;
            using (no_grad())
            {
                right = text.call(ids, mask);
                wrong = text.call(wIds, wMask);
            }
            // D: three pairs.
            var fake = g.call(randn(new long[] { 8, 8 }, generator: gen), right);
            var dl = TextToImageLosses.Discriminator(d.call(real, right), d.call(real, wrong), d.call(fake.detach(), right));
            optD.zero_grad();
            dl.Loss.backward();
            optD.step();
            dLosses.Add(dl.Loss.item<float>());
            Assert.InRange(dl.RealRight.item<float>(), 0, 1);
            Assert.InRange(dl.RealWrong!.item<float>(), 0, 1);
            // G: the right text and GAN-INT's interpolated text.
            var mixed = TextToImageLosses.Interpolate(right);
            var gl = TextToImageLosses.Generator(d.call(g.call(randn(new long[] { 8, 8 }, generator: gen), right), right))
                .add(TextToImageLosses.Generator(d.call(g.call(randn(new long[] { 8, 8 }, generator: gen), mixed), mixed)));
            optG.zero_grad();
            gl.backward();
            optG.step();
            Assert.True(float.IsFinite(gl.item<float>()));
        }
        Assert.All(dLosses, l => Assert.True(float.IsFinite(l)));
        Assert.All(text.parameters().Zip(before), p => Assert.True(p.First.equal(p.Second).all().item<bool>()));
    }

    [Fact]
    public void StackGanStagesStepWithTheKlTerm()
    {
        using var data = CaptionedShapes.Generate(32, 64, seed: 1);
        manual_seed(4);
        using var text = new TextEncoder(CaptionedShapes.Vocabulary.Count, embeddingDim: 16, wordDim: 8, hiddenDim: 8);
        using var g1 = new StageIGenerator(16, embeddingDim: 16, zDim: 8, condDim: 6, width: 4);
        using var d1 = new MatchingAwareDiscriminator(16, embeddingDim: 16, width: 4);
        using var g2 = new StageIIGenerator(16, embeddingDim: 16, condDim: 6, width: 4, residualBlocks: 1);
        using var d2 = new MatchingAwareDiscriminator(64, embeddingDim: 16, width: 4);
        using var opt2 = optim.Adam(g2.parameters(), 2e-4, 0.5);
        var wrongText = WrongTextSampler.For(data);
        using var gen = new Generator(5);
        using var scope = NewDisposeScope();
        var idx = arange(8);
        var high = data.Gather(idx);                                                     // 8×3×64×64
        var low = nn.functional.avg_pool2d(high, 4);                                     // Stage-I's real images, 16×16
        var (ids, mask) = CaptionFields.PickCaption(data.ExtraFields[CaptionFields.Captions].index_select(0, idx), data.ExtraFields[CaptionFields.CaptionCount].index_select(0, idx), gen);
        var (wIds, wMask, _) = wrongText.SampleCaptions(idx, gen);
        var right = text.call(ids, mask).detach();
        var wrong = text.call(wIds, wMask).detach();
        // Stage I.
        var (fake1, mu1, logVar1) = g1.Generate(randn(new long[] { 8, 8 }, generator: gen), right, gen);
        var dl1 = TextToImageLosses.Discriminator(d1.call(low, right), d1.call(low, wrong), d1.call(fake1.detach(), right));
        var gl1 = TextToImageLosses.Generator(d1.call(fake1, right)).add(TextToImageLosses.KlToStandardNormal(mu1, logVar1));
        Assert.True(float.IsFinite(dl1.Loss.item<float>()) && float.IsFinite(gl1.item<float>()));
        // Stage II on a frozen Stage I: no gradient reaches g1.
        foreach (var p in g1.parameters()) p.requires_grad = false;
        g1.eval();
        Tensor lowFake;
        using (no_grad()) lowFake = g1.Generate(randn(new long[] { 8, 8 }, generator: gen), right, gen).Image;
        var (fake2, mu2, logVar2) = g2.Generate(lowFake, right, gen);
        Assert.Equal(new long[] { 8, 3, 64, 64 }, fake2.shape);
        var dl2 = TextToImageLosses.Discriminator(d2.call(high, right), d2.call(high, wrong), d2.call(fake2.detach(), right));
        var gl2 = TextToImageLosses.Generator(d2.call(fake2, right)).add(TextToImageLosses.KlToStandardNormal(mu2, logVar2));
        opt2.zero_grad();
        gl2.backward();
        opt2.step();
        Assert.True(float.IsFinite(dl2.Loss.item<float>()) && float.IsFinite(gl2.item<float>()));
        Assert.All(g1.parameters(), p => Assert.Null(p.grad));
        Assert.Contains(g2.parameters(), p => p.grad is not null && p.grad.abs().sum().item<float>() > 0);
    }
}
