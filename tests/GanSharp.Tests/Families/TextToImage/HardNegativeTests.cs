using GanSharp.Families.TextToImage;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.TextToImage;

/// <summary>Hard negatives of the joint embedding: one-attribute neighbours, and the loss over the extended batch.</summary>
public class HardNegativeTests
{
    public HardNegativeTests() => set_num_threads(1);

    static int Differences(long[] a, long[] b) => a.Zip(b).Count(p => p.First != p.Second);

    [Fact]
    public void EveryFoundNeighbourDiffersInExactlyOneAttribute()
    {
        using var data = CaptionedShapes.Generate(3000, 16, seed: 3);
        var attributes = data.ExtraFields[CaptionFields.Attributes];
        var rows = attributes.data<long>().ToArray();
        int a = (int)attributes.shape[1];
        var sampler = HardNegativeSampler.For(data);
        using var g = new Generator(4);
        var batch = arange(0, 400);
        var (idx, found) = sampler.Sample(attributes.index_select(0, batch), g);
        var picked = idx.data<long>().ToArray();
        var ok = found.data<bool>().ToArray();
        int hits = 0, colourOrShape = 0;
        for (int i = 0; i < 400; i++)
        {
            var own = rows.AsSpan(i * a, a).ToArray();
            var other = rows.AsSpan((int)picked[i] * a, a).ToArray();
            if (!ok[i]) continue;
            hits++;
            Assert.Equal(1, Differences(own, other));
            int column = Enumerable.Range(0, a).First(c => own[c] != other[c]);
            if (column is 2 or 3 or 6 or 7) colourOrShape++;
        }
        // Most single-object scenes of 3,000 images have a neighbour, and many neighbours change colour or shape.
        Assert.True(hits > 100, $"only {hits} of 400 rows found a one-attribute neighbour");
        Assert.True(colourOrShape > hits / 4, $"{colourOrShape} of {hits} neighbours change colour or shape");
    }

    [Fact]
    public void RowsWithoutANeighbourGetARandomRowAndDrawsFollowTheGenerator()
    {
        // Rows 0 and 1 differ in column 1 only; row 2 differs from both in two columns, and row 3 equals row 0.
        var attributes = tensor(new long[,] { { 0, 0 }, { 0, 1 }, { 1, 2 }, { 0, 0 } });
        var sampler = new HardNegativeSampler(attributes);
        for (ulong seed = 0; seed < 20; seed++)
        {
            using var g = new Generator(seed);
            var (idx, found) = sampler.Sample(attributes, g);
            var i = idx.data<long>().ToArray();
            Assert.Equal(new[] { true, true, false, true }, found.data<bool>().ToArray());
            Assert.Equal(1, i[0]);
            Assert.Contains(i[1], new long[] { 0, 3 });
            Assert.Equal(1, i[3]);
            Assert.InRange(i[2], 0, 3);
        }
        using var g1 = new Generator(9);
        using var g2 = new Generator(9);
        Assert.Equal(sampler.Sample(attributes, g1).Indices.data<long>().ToArray(), sampler.Sample(attributes, g2).Indices.data<long>().ToArray());
        Assert.Throws<ArgumentException>(() => sampler.Sample(tensor(new long[,] { { 0, 0, 0 } }), null));
    }

    [Fact]
    public void TheLossOverTheExtendedBatchMatchesTheHandValue()
    {
        // Two drawn images (attributes (0,0) and (1,1)) and their one-attribute neighbours ((0,1) and (1,0)), margin 1:
        // S = [[2, 0, 1.5, 0], [0, 2, 0, 0], [0, 0, 2, 0], [0, 0, 0, 2]]. The only active hinge terms are those of
        // S[0,2] = 1.5: image 0 → text 2 gives 1 + 1.5 − 2 = 0.5, text 2 → image 0 gives 1 + 1.5 − 2 = 0.5.
        // All others: 1 + 0 − 2 < 0. Sum 1, over 4 rows: 0.25.
        var s = tensor(new float[,] { { 2, 0, 1.5f, 0 }, { 0, 2, 0, 0 }, { 0, 0, 2, 0 }, { 0, 0, 0, 2 } });
        var attributes = tensor(new long[,] { { 0, 0 }, { 1, 1 }, { 0, 1 }, { 1, 0 } });
        var same = JointEmbeddingLoss.SamePairs(attributes, null, 4);
        Assert.Equal(0.25, JointEmbeddingLoss.FromScores(s, 1.0, same).item<float>(), 6);
        // The neighbour's score above the own one: image 0 ranks its own text second; image 1 first.
        var b = new JointEmbeddingBatch(zeros(4, 3, 8, 8), zeros(4, 1, 2, ScalarType.Int64), ones(4, ScalarType.Int64), attributes, null, tensor(new[] { true, true }));
        var s2 = s.clone();
        s2[0, 2] = tensor(2.5f);
        Assert.Equal(0.5, b.HardTop1(s2, 2).item<float>(), 6);
        Assert.Equal(1.0, b.HardTop1(s, 2).item<float>(), 6);
    }

    [Fact]
    public void TheExtendedBatchCarriesTheNeighboursCaptionsAndImages()
    {
        using var data = CaptionedShapes.Generate(500, 16, seed: 5);
        var sampler = HardNegativeSampler.For(data);
        var idx = arange(0, 8);
        using var g = new Generator(1);
        var b = JointEmbeddingBatch.Of(data.Gather(idx), data.ExtraFields[CaptionFields.Captions].index_select(0, idx), data.ExtraFields[CaptionFields.CaptionCount].index_select(0, idx),
            data.ExtraFields[CaptionFields.Attributes].index_select(0, idx), null, data, sampler, g, CPU);
        using var g2 = new Generator(1);
        var (hard, _) = sampler.Sample(data.ExtraFields[CaptionFields.Attributes].index_select(0, idx), g2);
        Assert.Equal(16, b.Images.shape[0]);
        Assert.True(b.Images.narrow(0, 8, 8).equal(data.Gather(hard)).all().item<bool>());
        Assert.True(b.Captions.narrow(0, 8, 8).equal(data.ExtraFields[CaptionFields.Captions].index_select(0, hard)).all().item<bool>());
        Assert.True(b.Attributes!.narrow(0, 8, 8).equal(data.ExtraFields[CaptionFields.Attributes].index_select(0, hard)).all().item<bool>());
        var plain = JointEmbeddingBatch.Of(data.Gather(idx), data.ExtraFields[CaptionFields.Captions].index_select(0, idx), data.ExtraFields[CaptionFields.CaptionCount].index_select(0, idx),
            null, null, data, null, g, CPU);
        Assert.Equal(8, plain.Images.shape[0]);
        Assert.Null(plain.Found);
    }

    [Fact]
    public void TheAttributeLossMatchesTheHandValue()
    {
        // Columns of 2 and 3 classes (and a constant column of 1 class, skipped). Row 0: logits 0 everywhere, values
        // (1, 2); row 1: logits (ln 3, 0 | 0, ln 2, 0), values (0, −1 = absent).
        // Column 0: row 0 −ln ½ = ln 2, row 1 −ln ¾ → (ln 2 + ln 4/3) / 2. Column 1: row 0 ln 3 (row 1 ignored).
        var logits = tensor(new float[,] { { 0, 0, 0, 0, 0, 0 }, { (float)Math.Log(3), 0, 0, (float)Math.Log(2), 0, 0 } });
        var values = tensor(new long[,] { { 1, 2, 0 }, { 0, -1, 0 } });
        double expected = ((Math.Log(2) + Math.Log(4.0 / 3)) / 2 + Math.Log(3)) / 2;
        Assert.Equal(expected, AttributeHeads.LossOfLogits(logits, values, new long[] { 2, 3, 1 }).item<float>(), 5);
        // A column absent in every row adds nothing.
        var absent = tensor(new long[,] { { 1, -1, 0 }, { 0, -1, 0 } });
        Assert.Equal((Math.Log(2) + Math.Log(4.0 / 3)) / 2, AttributeHeads.LossOfLogits(logits, absent, new long[] { 2, 3, 1 }).item<float>(), 5);
        Assert.Throws<ArgumentException>(() => AttributeHeads.LossOfLogits(logits, values, new long[] { 2, 4 }));
    }

    [Fact]
    public void AttributeClassesComeFromTheData()
    {
        using var data = CaptionedShapes.Generate(300, 16, seed: 2);
        var classes = AttributeHeads.ClassesOf(data)!;
        // object count 1..2, 4 backgrounds, then per slot 5 shapes, 8 colours, 3 sizes, 9 positions.
        Assert.Equal(new long[] { 3, 4, 5, 8, 3, 9, 5, 8, 3, 9 }, classes);
        using var heads = new AttributeHeads(6, classes);
        Assert.Equal(new long[] { 2, classes.Sum() }, heads.call(zeros(2, 6)).shape);
    }
}
