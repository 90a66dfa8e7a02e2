using GanSharp.Families.TextToImage;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;
using T2I = GanSharp.Tests.Families.TextToImage.TextToImageFamilyTests;

namespace GanSharp.Tests.Families.TextToImage;

/// <summary>
/// --aux-attributes W (TAC-GAN, Dash et al. 2017): D's auxiliary attribute classifier on its image features. D adds
/// W × its cross-entropy on real images, G W × its cross-entropy on G(z, text) against the caption's attributes; W = 0
/// is the family without heads; the heads are part of D's optimizer group and of the checkpoint (resume bit for bit).
/// </summary>
public sealed class AuxAttributeTests(PretrainedEncoderFixture encoder) : IClassFixture<PretrainedEncoderFixture>
{
    private GanOptions GanCls(int steps, double aux, string variant = "gan-int-cls")
    {
        var o = T2I.TinyGanCls(encoder.Path, steps, variant);
        o.Set(TextToImageSystem.AuxAttributesOption, aux);
        return o;
    }

    [Fact]
    public void TheHeadsAccuracyMatchesTheHandValue()
    {
        // Columns of 2 and 3 classes (and a constant column of 1 class, skipped). Column 0: row 0 arg-max 0 (value 1:
        // miss), row 1 arg-max 0 (value 0: hit) → ½. Column 1: row 0 arg-max 2 (value 2: hit), row 1 absent → 1.
        var logits = tensor(new float[,] { { 1, 0, 0, 0, 5, 0 }, { 2, 1, 3, 0, 0, 0 } });
        var values = tensor(new long[,] { { 1, 2, 0 }, { 0, -1, 0 } });
        Assert.Equal(0.75, AttributeHeads.AccuracyOfLogits(logits, values, new long[] { 2, 3, 1 }).item<float>(), 6);
        Assert.Throws<ArgumentException>(() => AttributeHeads.AccuracyOfLogits(logits, values, new long[] { 2, 4 }));
    }

    [Fact]
    public void TheAuxiliaryLossOfTheHeadsOnImageFeaturesMatchesTheHandValue()
    {
        // Heads over 2 features, columns of 2 and 3 classes. The heads read the features scaled to norm √2: a
        // feature row (3, 4) is read as √2·(0.6, 0.8). Weights W (5×2) and bias b set by hand.
        using var heads = new AttributeHeads(2, new long[] { 2, 3 });
        var p = heads.parameters().ToArray();
        using (no_grad())
        {
            p[0].copy_(tensor(new float[,] { { 1, 0 }, { 0, 1 }, { 1, 1 }, { 0, 0 }, { -1, 0 } }));
            p[1].copy_(tensor(new float[] { 0, 0, 0, 0.5f, 0 }));
        }
        using var features = tensor(new float[,] { { 3, 4 }, { 0, -2 } });
        using var attributes = tensor(new long[,] { { 1, 2 }, { 0, -1 } });
        double s = Math.Sqrt(2);
        // Row 0: x = s·(0.6, 0.8); column 0 logits (0.6s, 0.8s), value 1; column 1 logits (1.4s, 0.5, −0.6s), value 2.
        // Row 1: x = s·(0, −1); column 0 logits (0, −s), value 0; column 1 absent.
        double Ce(double[] z, int y) => Math.Log(z.Sum(Math.Exp)) - z[y];
        double col0 = (Ce([0.6 * s, 0.8 * s], 1) + Ce([0, -s], 0)) / 2;
        double col1 = Ce([1.4 * s, 0.5, -0.6 * s], 2);
        Assert.Equal((col0 + col1) / 2, heads.Loss(features, attributes).item<float>(), 5);
    }

    [Fact]
    public void TheLossesAddWTimesTheAuxiliaryTermsAndTheMatchingAwareScoresAreUnchanged()
    {
        using var data = T2I.Shapes(32, 16);
        using var tmp = new TestUtil.TempDir();
        const double w = 0.5;
        using (var off = TrainingRun.Create(GanCls(3, 0), data, tmp.Path, "off", heldOut: data)) Assert.True(off.Run());
        using (var on = TrainingRun.Create(GanCls(3, w), data, tmp.Path, "on", heldOut: data)) Assert.True(on.Run());
        var offLines = T2I.Metrics(Path.Combine(tmp.Path, "off"));
        var onLines = T2I.Metrics(Path.Combine(tmp.Path, "on"));
        // W = 0: no heads, nothing new logged.
        Assert.All(offLines, l => Assert.False(l.ContainsKey("loss_aux_d") || l.ContainsKey("loss_aux_g") || l.ContainsKey("aux_acc_real")));
        foreach (var l in onLines)
        {
            // D: the matching-aware loss plus W × the heads' cross-entropy on real images.
            Assert.Equal(T2I.V(l, "loss_d"), T2I.V(l, "loss_d_real") + 0.5 * (T2I.V(l, "loss_d_wrong") + T2I.V(l, "loss_d_fake")) + w * T2I.V(l, "loss_aux_d"), 5);
            // G: −log s_f + W × the heads' cross-entropy on G(z, t) + the GAN-INT term (no aux term on interpolations).
            Assert.Equal(T2I.V(l, "loss_g"), T2I.V(l, "loss_adv") + w * T2I.V(l, "loss_aux_g") + T2I.V(l, "loss_int"), 5);
            Assert.InRange(T2I.V(l, "aux_acc_real"), 0, 1);
            Assert.InRange(T2I.V(l, "aux_acc_fake"), 0, 1);
            Assert.True(T2I.V(l, "loss_aux_d") > 0 && T2I.V(l, "loss_aux_g") > 0);
        }
        // Step 1's D scores come from the same G and D weights (the heads are made after them), the same batch and
        // randomness: reading D's features for the heads changes none of the three pairs' losses.
        foreach (var k in new[] { "loss_d_real", "loss_d_wrong", "loss_d_fake", "d_real", "d_wrong", "d_fake" })
            Assert.Equal(T2I.V(offLines[0], k), T2I.V(onLines[0], k));
        Assert.NotEqual(T2I.V(offLines[0], "loss_d"), T2I.V(onLines[0], "loss_d"));
    }

    [Fact]
    public void GanClsWithHeadsResumesBitForBitAndTheCheckpointCarriesTheHeads()
    {
        using var data = T2I.Shapes(32, 16);
        using var tmp = new TestUtil.TempDir();
        T2I.AssertResumesBitForBit(GanCls(4, 1), data, data, tmp.Path, 2);
        // The heads are part of the checkpoint, sized for the data's attribute columns: a sampler rebuilds them.
        using var sampler = Sampler.Load(Path.Combine(tmp.Path, "full"));
        var heads = (AttributeHeads)sampler.System.Network(GanClsSystem.AuxHeads);
        Assert.Equal(AttributeHeads.ClassesOf(data), heads.Classes);
        var (_, tensors) = CheckpointFile.Load(Path.Combine(tmp.Path, "full", "checkpoints", "step-000004.ckpt"));
        try
        {
            Assert.Contains(tensors.Keys, k => k.StartsWith(GanClsSystem.AuxHeads + ".", StringComparison.Ordinal));
            // The sampler restored the heads to the checkpoint's classes and loaded their weights.
            foreach (var (name, param) in heads.named_parameters())
                Assert.True(param.equal(tensors[$"{GanClsSystem.AuxHeads}.{name}"]).all().item<bool>());
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [Fact]
    public void StackGanWithHeadsOnBothDiscriminatorsResumesMidEitherStage()
    {
        using var data = T2I.Shapes(32, 32);
        using var tmp = new TestUtil.TempDir();
        var o = T2I.TinyStackGan(encoder.Path, 4, stage1Steps: 2);
        o.Set(TextToImageSystem.AuxAttributesOption, 2.0);
        o.CheckpointEvery = 2;
        T2I.AssertResumesBitForBit(o, data, data, tmp.Path, 1, 3);
        var lines = T2I.Metrics(Path.Combine(tmp.Path, "full"));
        foreach (var l in lines.Take(2))
        {
            Assert.Equal(T2I.V(l, "loss_d"), T2I.V(l, "loss_d_real") + 0.5 * (T2I.V(l, "loss_d_wrong") + T2I.V(l, "loss_d_fake")) + 2 * T2I.V(l, "loss_aux_d"), 5);
            Assert.Equal(T2I.V(l, "loss_g"), T2I.V(l, "loss_adv") + T2I.V(l, "loss_kl") + 2 * T2I.V(l, "loss_aux_g"), 5);
        }
        foreach (var l in lines.Skip(2))
        {
            Assert.Equal(T2I.V(l, "loss_d2"), T2I.V(l, "loss_d2_real") + 0.5 * (T2I.V(l, "loss_d2_wrong") + T2I.V(l, "loss_d2_fake")) + 2 * T2I.V(l, "loss_aux_d2"), 5);
            Assert.Equal(T2I.V(l, "loss_g2"), T2I.V(l, "loss_adv2") + T2I.V(l, "loss_kl2") + 2 * T2I.V(l, "loss_aux_g2"), 5);
            Assert.InRange(T2I.V(l, "aux2_acc_real"), 0, 1);
        }
    }

    [Fact]
    public void WithAGeneratedClassDAlsoLearnsToReadGsImagesAsGeneratedAndResumesBitForBit()
    {
        using var data = T2I.Shapes(32, 16);
        using var tmp = new TestUtil.TempDir();
        var o = GanCls(4, 2);
        o.Set(TextToImageSystem.AuxFakeClassOption, true);
        T2I.AssertResumesBitForBit(o, data, data, tmp.Path, 2);
        foreach (var l in T2I.Metrics(Path.Combine(tmp.Path, "full")))
        {
            // D: matching-aware + W × (heads on real vs their attributes + heads on fakes vs "generated").
            Assert.Equal(T2I.V(l, "loss_d"), T2I.V(l, "loss_d_real") + 0.5 * (T2I.V(l, "loss_d_wrong") + T2I.V(l, "loss_d_fake"))
                + 2 * (T2I.V(l, "loss_aux_d") + T2I.V(l, "loss_aux_d_fake")), 5);
            Assert.Equal(T2I.V(l, "loss_g"), T2I.V(l, "loss_adv") + 2 * T2I.V(l, "loss_aux_g") + T2I.V(l, "loss_int"), 5);
        }
        // Each column has one more class, the last; the target of a fake is that class where the caption has the column.
        using var sampler = Sampler.Load(Path.Combine(tmp.Path, "full"));
        var system = (GanClsSystem)sampler.System;
        var classes = AttributeHeads.ClassesOf(data)!;
        Assert.Equal(classes.Select(k => k + 1), ((AttributeHeads)system.Network(GanClsSystem.AuxHeads)).Classes);
        using var attributes = tensor(new long[,] { { 1, 2, 0, 3, 1, 4, -1, -1, -1, -1 } });
        Assert.Equal(new long[] { classes[0], classes[1], classes[2], classes[3], classes[4], classes[5], -1, -1, -1, -1 },
            system.GeneratedTargets(attributes).data<long>().ToArray());
    }

    [Fact]
    public void OnFakesDsHeadsAlsoLearnGsImagesAsTheirCaptionsAttributes()
    {
        using var data = T2I.Shapes(32, 16);
        using var tmp = new TestUtil.TempDir();
        var o = GanCls(2, 2, "gan-cls");
        o.Set(TextToImageSystem.AuxOnFakesOption, true);
        using (var run = TrainingRun.Create(o, data, tmp.Path, "on-fakes", heldOut: data)) Assert.True(run.Run());
        var lines = T2I.Metrics(Path.Combine(tmp.Path, "on-fakes"));
        foreach (var l in lines)
            Assert.Equal(T2I.V(l, "loss_d"), T2I.V(l, "loss_d_real") + 0.5 * (T2I.V(l, "loss_d_wrong") + T2I.V(l, "loss_d_fake"))
                + 2 * (T2I.V(l, "loss_aux_d") + T2I.V(l, "loss_aux_d_fake")), 5);
        // No extra class: the heads have the data's classes (the fakes' targets are their captions' attributes).
        using var sampler = Sampler.Load(Path.Combine(tmp.Path, "on-fakes"));
        Assert.Equal(AttributeHeads.ClassesOf(data), ((AttributeHeads)sampler.System.Network(GanClsSystem.AuxHeads)).Classes);
        var both = GanCls(2, 2, "gan-cls");
        both.Set(TextToImageSystem.AuxOnFakesOption, true);
        both.Set(TextToImageSystem.AuxFakeClassOption, true);
        Assert.StartsWith("--aux-fake-class and --aux-on-fakes give D's heads two targets", Assert.Throws<ArgumentException>(() => GanFamilies.Get(GanClsFamily.ModelName).ResolveArch(both, new long[] { 3, 16, 16 })).Message);
    }

    [Fact]
    public void AGeneratedClassWithoutHeadsIsOneLine()
    {
        var o = GanCls(2, 0);
        o.Set(TextToImageSystem.AuxFakeClassOption, true);
        var e = Assert.Throws<ArgumentException>(() => GanFamilies.Get(GanClsFamily.ModelName).ResolveArch(o, new long[] { 3, 16, 16 }));
        Assert.Equal("--aux-fake-class adds a class to the attribute heads of --aux-attributes: pass --aux-attributes W (e.g. 10) too", e.Message);
    }

    [Fact]
    public void ANegativeWeightIsOneLine()
    {
        var e = Assert.Throws<ArgumentException>(() => GanFamilies.Get(GanClsFamily.ModelName).ResolveArch(GanCls(2, -1), new long[] { 3, 16, 16 }));
        Assert.Equal("--aux-attributes is a loss weight: use 0 (off) or a positive value, not -1", e.Message);
    }
}
