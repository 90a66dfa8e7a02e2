using GanSharp.Data;
using GanSharp.Families.TextToImage;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.TextToImage;

public class TextToImageLossTests
{
    // Logits for a batch of two: s_r = D(real, right), s_w = D(real, wrong), s_f = D(fake, right).
    static readonly Tensor Sr = tensor(new float[] { 2, 0 });
    static readonly Tensor Sw = tensor(new float[] { 1, -1 });
    static readonly Tensor Sf = tensor(new float[] { 0, -2 });

    [Fact]
    public void MatchingAwareDiscriminatorLossMatchesTheHandValue()
    {
        // −log σ(2) = ln(1 + e⁻²) = 0.126928, −log σ(0) = ln 2 = 0.693147 → mean 0.410038.
        // −log(1 − σ(x)) = ln(1 + eˣ): s_w → 1.313262, 0.313262 (mean 0.813262); s_f → 0.693147, 0.126928 (mean 0.410038).
        // D = 0.410038 + ½(0.813262 + 0.410038) = 1.021687.
        var d = TextToImageLosses.Discriminator(Sr, Sw, Sf);
        Assert.Equal(1.021687, d.Loss.item<float>(), 5);
        Assert.Equal((0.880797 + 0.5) / 2, d.RealRight.item<float>(), 5);
        Assert.Equal(0.5, d.RealWrong!.item<float>(), 5);
        Assert.Equal((0.5 + 0.119203) / 2, d.FakeRight.item<float>(), 5);
        // The plain conditional GAN has no wrong pair: 0.410038 + 0.410038.
        var plain = TextToImageLosses.Discriminator(Sr, null, Sf);
        Assert.Equal(0.820075, plain.Loss.item<float>(), 5);
        Assert.Null(plain.RealWrong);
    }

    [Fact]
    public void GeneratorLossIsNonSaturating()
    {
        // −log σ(0) = 0.693147, −log σ(−2) = 2.126928 → mean 1.410038.
        Assert.Equal(1.410038, TextToImageLosses.Generator(Sf).item<float>(), 5);
        // Finite and with a useful gradient where D is sure the fake is fake.
        var sure = tensor(new float[] { -100 }).requires_grad_();
        var loss = TextToImageLosses.Generator(sure);
        loss.backward();
        Assert.Equal(100, loss.item<float>(), 3);
        Assert.Equal(-1, sure.grad!.item<float>(), 5);
    }

    [Fact]
    public void DiscriminatorGradientsHaveTheSignsThatTrainIt()
    {
        var r = Sr.clone().requires_grad_();
        var w = Sw.clone().requires_grad_();
        var f = Sf.clone().requires_grad_();
        TextToImageLosses.Discriminator(r, w, f).Loss.backward();
        Assert.True(r.grad!.lt(0).all().item<bool>());   // descent raises s_r
        Assert.True(w.grad!.gt(0).all().item<bool>());   // and lowers s_w and s_f
        Assert.True(f.grad!.gt(0).all().item<bool>());
        // ∂/∂s_w of ½·mean(softplus(s_w)) = ½·σ(s_w)/N: σ(1)/4.
        Assert.Equal(0.731059 / 4, w.grad![0].item<float>(), 5);
    }

    [Fact]
    public void KlTermMatchesTheHandValue()
    {
        // ½(μ² + σ² − 1 − log σ²): (1, σ²=1) → 0.5; (0, σ²=2) → ½(1 − ln 2) = 0.153426;
        // (0.5, σ²=½) → ½(0.25 + 0.5 − 1 + ln 2) = 0.221574; (−1, σ²=1) → 0.5. Sum 1.375.
        var mu = tensor(new float[,] { { 1, 0 }, { 0.5f, -1 } });
        var logVar = tensor(new float[,] { { 0, MathF.Log(2) }, { MathF.Log(0.5f), 0 } });
        Assert.Equal(1.375 / 4, TextToImageLosses.KlToStandardNormal(mu, logVar).item<float>(), 5);
        Assert.Equal(1.375 / 2, TextToImageLosses.KlToStandardNormal(mu, logVar, KlReduction.SumOverDimensions).item<float>(), 5);
        Assert.Equal(0f, TextToImageLosses.KlToStandardNormal(zeros(3, 4), zeros(3, 4)).item<float>());
    }

    [Fact]
    public void InterpolationMixesEachRowWithTheNextHalfAndHalf()
    {
        var e = tensor(new float[,] { { 0, 2 }, { 4, 6 }, { 8, 10 } });
        // roll by 1 puts row 2 first: row 0 mixes with row 2, row 1 with row 0, row 2 with row 1.
        Assert.Equal(new float[] { 4, 6, 2, 4, 6, 8 }, TextToImageLosses.Interpolate(e).data<float>().ToArray());
        // β = 0.75, shift 2: row i mixes with row i + 1 (mod 3), e.g. row 0: 0.75·(0, 2) + 0.25·(4, 6) = (1, 3).
        var expected = new float[] { 1, 3, 5, 7, 6, 8 };
        Assert.True(tensor(expected).allclose(TextToImageLosses.Interpolate(e, beta: 0.75, shift: 2).flatten()));
    }
}

public class WrongTextSamplerTests
{
    [Fact]
    public void WrongTextAlwaysDiffersInAnAttributeOverManySeeds()
    {
        for (int seed = 0; seed < 200; seed++)
        {
            using var g = new Generator((ulong)seed);
            // Skewed data: most rows share one attribute row, so a naive "any other image" would often be right.
            var attrs = rand(new long[] { 60, 3 }, generator: g).lt(0.1).to_type(ScalarType.Int64);
            if (attrs.unique(dim: 0).Item1.shape[0] < 2) continue;
            var sampler = new WrongTextSampler(attrs);
            var idx = randint(0, 60, new long[] { 32 }, generator: g);
            var wrong = sampler.Sample(idx, g);
            var differs = attrs.index_select(0, idx).ne(attrs.index_select(0, wrong)).any(1);
            Assert.True(differs.all().item<bool>(), $"seed {seed}: a wrong text has every attribute of the right one");
        }
    }

    [Fact]
    public void OnShapesAndOnClassesToo()
    {
        using var shapes = CaptionedShapes.Generate(64, 16, seed: 3);
        var sampler = WrongTextSampler.For(shapes);
        var attrs = shapes.ExtraFields[CaptionFields.Attributes];
        using var g = new Generator(1);
        var idx = arange(64);
        var wrong = sampler.Sample(idx, g);
        Assert.True(attrs.ne(attrs.index_select(0, wrong)).any(1).all().item<bool>());
        // Wrong captions come from the wrong images: each is one of that image's own captions.
        var (text, mask, from) = sampler.SampleCaptions(idx, g);
        var captions = shapes.ExtraFields[CaptionFields.Captions];
        Assert.Equal(new long[] { 64, CaptionedShapes.MaxTokens }, text.shape);
        Assert.True(mask.equal(text.ne(0)).all().item<bool>());
        for (int i = 0; i < 64; i++)
        {
            long j = from[i].item<long>();
            Assert.NotEqual(attrs[i].data<long>().ToArray(), attrs[j].data<long>().ToArray());
            Assert.True(captions[j].eq(text[i].unsqueeze(0)).all(1).any().item<bool>());
        }

        // CUB-style: only labels; the wrong caption comes from another class, and every other class is reachable.
        var labels = tensor(new long[] { 0, 0, 0, 0, 0, 0, 0, 1, 2, 2 });
        var bySampler = new WrongTextSampler(labels);
        var seen = new HashSet<long>();
        for (int t = 0; t < 200; t++)
        {
            var w = bySampler.Sample(tensor(new long[] { 0 }), g).item<long>();
            Assert.NotEqual(0, labels[w].item<long>());
            seen.Add(w);
        }
        Assert.Equal(new long[] { 7, 8, 9 }, seen.Order());
    }

    [Fact]
    public void TheFallbackFindsTheOneDifferentRowAndIsDeterministic()
    {
        // 999 identical rows and one different: rejection nearly always fails, the direct draw must still find it.
        var labels = zeros(1000, ScalarType.Int64);
        labels[517] = tensor(1L);
        var sampler = new WrongTextSampler(labels);
        using var g1 = new Generator(2);
        using var g2 = new Generator(2);
        var w1 = sampler.Sample(arange(50), g1);
        Assert.True(w1.eq(517).all().item<bool>());
        Assert.True(sampler.Sample(tensor(new long[] { 517 }), g1).item<long>() != 517);
        var w2 = sampler.Sample(arange(50), g2);
        Assert.True(w1.equal(w2).all().item<bool>());
    }

    [Fact]
    public void DataWithOneDescriptionIsRefused()
    {
        Assert.Throws<DataException>(() => new WrongTextSampler(zeros(new long[] { 5, 2 }, ScalarType.Int64)));
        using var unlabelled = new TensorDataset("x", zeros(2, 2));
        Assert.Throws<DataException>(() => WrongTextSampler.For(unlabelled));
    }
}
