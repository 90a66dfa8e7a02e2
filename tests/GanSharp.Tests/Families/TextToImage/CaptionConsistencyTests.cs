using GanSharp.Families.TextToImage;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.TextToImage;

public class HungarianTests
{
    static IEnumerable<int[]> Injections(int rows, int cols, int[] prefix)
    {
        if (prefix.Length == rows) { yield return prefix; yield break; }
        for (int j = 0; j < cols; j++)
            if (!prefix.Contains(j))
                foreach (var r in Injections(rows, cols, [.. prefix, j])) yield return r;
    }

    static double BruteForce(double[,] cost)
    {
        int rows = cost.GetLength(0), cols = cost.GetLength(1);
        if (rows <= cols) return Injections(rows, cols, []).Min(a => Hungarian.Cost(cost, a));
        var t = new double[cols, rows];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j, i] = cost[i, j];
        return BruteForce(t);
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(3, 5)]
    [InlineData(5, 3)]
    [InlineData(1, 4)]
    public void MatchesBruteForceOnRandomMatrices(int rows, int cols)
    {
        var rng = new Random(rows * 10 + cols);
        for (int trial = 0; trial < 300; trial++)
        {
            var cost = new double[rows, cols];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    cost[i, j] = trial % 3 == 0 ? rng.Next(4) : rng.NextDouble() * 10 - 3;   // ties and negatives too
            var a = Hungarian.Solve(cost);
            Assert.Equal(rows, a.Length);
            Assert.Equal(Math.Min(rows, cols), a.Count(j => j >= 0));
            Assert.Equal(a.Count(j => j >= 0), a.Where(j => j >= 0).Distinct().Count());
            Assert.Equal(BruteForce(cost), Hungarian.Cost(cost, a), 9);
        }
    }

    [Fact]
    public void AKnownCase()
    {
        // Greedy would take (0,0) = 1 and then pay 10; the optimum crosses: 2 + 3.
        var cost = new double[,] { { 1, 2 }, { 3, 10 } };
        Assert.Equal([1, 0], Hungarian.Solve(cost));
        Assert.Empty(Hungarian.Solve(new double[0, 3]));
        Assert.Equal([-1, -1], Hungarian.Solve(new double[2, 0]));
        Assert.Throws<ArgumentException>(() => Hungarian.Solve(new double[,] { { double.NaN } }));
    }
}

public class CaptionConsistencyTests
{
    static long[] Row(int bg, params (int Shape, int Colour, int Size, int Position)[] objects)
    {
        var r = new long[CaptionedShapes.AttributeCount];
        Array.Fill(r, -1L);
        r[0] = objects.Length;
        r[1] = bg;
        for (int s = 0; s < objects.Length; s++)
        {
            r[2 + 4 * s] = objects[s].Shape; r[3 + 4 * s] = objects[s].Colour; r[4 + 4 * s] = objects[s].Size; r[5 + 4 * s] = objects[s].Position;
        }
        return r;
    }

    static Tensor Rows(params long[][] rows) => tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, CaptionedShapes.AttributeCount]);

    [Fact]
    public void ScoresMatchTheHandCount()
    {
        // Image 0: caption A = (0,1,2) at top-left (0), B = (3,4,1) at bottom-right (8). The classifier lists
        // P = (3,4,1) at bottom (7) first and Q = (0,1,0) at top-left (0). By position A↔Q (distance 0) and B↔P
        // (distance 1) beat the crossing (2.24 + 2.83): shapes 2/2, colours 2/2, sizes 1/2 (A's), positions 1/2 (B's).
        // Image 1: one object, all right. Image 2: caption has two objects, one predicted: the unmatched one is wrong.
        var caption = Rows(Row(1, (0, 1, 2, 0), (3, 4, 1, 8)), Row(2, (4, 7, 0, 4)), Row(0, (1, 1, 1, 1), (2, 2, 2, 5)));
        var predicted = Rows(Row(1, (3, 4, 1, 7), (0, 1, 0, 0)), Row(2, (4, 7, 0, 4)), Row(3, (2, 2, 2, 5)));
        var s = CaptionConsistency.Score(predicted, caption);
        Assert.Equal(3, s.Images);
        Assert.Equal(5, s.Objects);
        Assert.Equal(4.0 / 5, s.Shape, 9);       // all but image 2's unmatched object
        Assert.Equal(4.0 / 5, s.Colour, 9);
        Assert.Equal(3.0 / 5, s.Size, 9);
        Assert.Equal(3.0 / 5, s.Position, 9);
        Assert.Equal(2.0 / 3, s.Background, 9);
        Assert.Equal(2.0 / 3, s.Count, 9);
        Assert.Equal(1.0 / 3, s.AllMatch, 9);
        var self = CaptionConsistency.Score(caption, caption);
        Assert.Equal(1.0, self.AllMatch);
        Assert.Equal(1.0, self.Position);
    }

    [Fact]
    public void MatchingIsByPositionNotBySlot()
    {
        var caption = new[] { new ShapeObject(0, 0, 0, 0), new ShapeObject(1, 1, 1, 8) };
        var predicted = new[] { new ShapeObject(1, 1, 1, 8), new ShapeObject(0, 0, 0, 1) };
        Assert.Equal([1, 0], CaptionConsistency.MatchObjects(caption, predicted));
    }

    [Fact]
    public void ClassifierHeadsPredictionAndLossOnShapes()
    {
        set_num_threads(1);
        manual_seed(1);
        using var data = CaptionedShapes.Generate(32, 16, seed: 2);
        using var net = new AttributeClassifier(16, width: 8);
        var images = data.Gather(arange(32));
        var attrs = data.ExtraFields[CaptionFields.Attributes];
        var logits = net.call(images);
        Assert.Equal(new long[] { 32, 2 }, logits.Count.shape);
        Assert.Equal(new long[] { 32, 9 }, logits.Position[1].shape);
        Assert.Equal(new long[] { 32, 256 }, net.Features(images).shape);
        var predicted = AttributeClassifier.Predict(logits);
        Assert.Equal(new long[] { 32, CaptionedShapes.AttributeCount }, predicted.shape);
        // Slot 1 is filled exactly where two objects are predicted.
        Assert.True(predicted.select(1, 0).eq(2).equal(predicted.select(1, CaptionedShapes.IndexOf(1, 0)).ge(0)).all().item<bool>());

        // The loss ignores the absent second object and falls when fitting a batch.
        using var opt = optim.Adam(net.parameters(), 3e-3);
        double first = 0, last = 0;
        for (int step = 0; step < 30; step++)
        {
            using var scope = NewDisposeScope();
            var loss = AttributeClassifier.Loss(net.call(images), attrs);
            Assert.True(double.IsFinite(loss.item<float>()));
            if (step == 0) first = loss.item<float>();
            last = loss.item<float>();
            opt.zero_grad();
            loss.backward();
            opt.step();
        }
        Assert.True(last < 0.5 * first, $"loss {first:0.00} → {last:0.00}");
        var singles = attrs.index_select(0, attrs.select(1, 0).eq(1).nonzero().squeeze(1));
        Assert.True(double.IsFinite(AttributeClassifier.Loss(net.call(data.Gather(attrs.select(1, 0).eq(1).nonzero().squeeze(1))), singles).item<float>()));
    }
}
