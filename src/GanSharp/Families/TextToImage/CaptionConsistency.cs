using GanSharp.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.TextToImage;

/// <summary>The attribute classifier's logits: per image, per object slot (2) and for the background.</summary>
public sealed record AttributeLogits(Tensor Count, Tensor Background, Tensor[] Shape, Tensor[] Colour, Tensor[] Size, Tensor[] Position);

/// <summary>
/// The judge of caption consistency on captioned shapes: a small CNN (strided 4×4 convolutions, BatchNorm,
/// LeakyReLU 0.2, to 4×4) whose features feed heads for the object count (1 or 2), the background colour and, per
/// object slot, the shape, colour, size and grid position. Slots follow the data's order (by grid position); the
/// metric matches predicted objects to the caption's by position (<see cref="CaptionConsistency"/>), so a misplaced
/// object counts as wrong rather than unmatched. Its <see cref="Features"/> serve a classifier-FID on shapes.
/// </summary>
public sealed class AttributeClassifier : Module<Tensor, AttributeLogits>
{
    private readonly Sequential trunk;
    private readonly Linear count, background;
    private readonly ModuleList<Linear> shape, colour, size, position;

    public AttributeClassifier(int imageSize, int channels = 3, int width = 32) : base(nameof(AttributeClassifier))
    {
        int downs = TextToImageNets.Doublings(imageSize);
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        int c = channels, w = width;
        for (int i = 0; i < downs; i++)
        {
            layers.Add(($"conv{i}", Conv2d(c, w, 4, stride: 2, padding: 1, bias: false)));  // w × size/2^(i+1)
            layers.Add(($"conv{i}_bn", BatchNorm2d(w)));
            layers.Add(($"conv{i}_lrelu", LeakyReLU(0.2)));
            c = w;
            w = Math.Min(2 * w, 8 * width);
        }
        layers.Add(("flatten", Flatten()));                                                    // c·4·4
        layers.Add(("fc", Linear(c * 16, 256)));                                               // 256
        layers.Add(("fc_lrelu", LeakyReLU(0.2)));
        trunk = Sequential(layers);
        FeatureDim = 256;
        count = Linear(256, CaptionedShapes.MaxObjects);
        background = Linear(256, CaptionedShapes.Backgrounds.Length);
        ModuleList<Linear> PerSlot(int classes) => new(Enumerable.Range(0, CaptionedShapes.MaxObjects).Select(_ => Linear(256, classes)).ToArray());
        shape = PerSlot(CaptionedShapes.Shapes.Length);
        colour = PerSlot(CaptionedShapes.Colours.Length);
        size = PerSlot(CaptionedShapes.Sizes.Length);
        position = PerSlot(CaptionedShapes.Positions.Length);
        RegisterComponents();
    }

    /// <summary>Width of <see cref="Features"/>.</summary>
    public int FeatureDim { get; }

    /// <summary>The penultimate features (N×256) of images in [-1, 1].</summary>
    public Tensor Features(Tensor images) => trunk.call(images);

    public override AttributeLogits forward(Tensor images)
    {
        var f = trunk.call(images);
        return new AttributeLogits(count.call(f), background.call(f),
            shape.Select(h => h.call(f)).ToArray(), colour.Select(h => h.call(f)).ToArray(),
            size.Select(h => h.call(f)).ToArray(), position.Select(h => h.call(f)).ToArray());
    }

    /// <summary>
    /// Sum of the heads' cross-entropies against shapes attributes (int64 N×10, see <see cref="CaptionedShapes"/>);
    /// an absent second object (-1) is ignored by its slot's heads.
    /// </summary>
    public static Tensor Loss(AttributeLogits logits, Tensor attributes)
    {
        using var scope = NewDisposeScope();
        Tensor Ce(Tensor l, int column) => functional.cross_entropy(l, attributes.select(1, column), ignore_index: -1);
        var loss = functional.cross_entropy(logits.Count, attributes.select(1, CaptionedShapes.ObjectCountIndex).sub(1))
            .add(Ce(logits.Background, CaptionedShapes.BackgroundIndex));
        for (int s = 0; s < CaptionedShapes.MaxObjects; s++)
        {
            // A batch whose every image has one object has no target for slot 1: cross-entropy would be NaN.
            if (attributes.select(1, CaptionedShapes.IndexOf(s, 0)).ge(0).any().item<bool>())
                loss = loss.add(Ce(logits.Shape[s], CaptionedShapes.IndexOf(s, 0))).add(Ce(logits.Colour[s], CaptionedShapes.IndexOf(s, 1)))
                    .add(Ce(logits.Size[s], CaptionedShapes.IndexOf(s, 2))).add(Ce(logits.Position[s], CaptionedShapes.IndexOf(s, 3)));
        }
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Predicted attribute rows (int64 N×10 in the data's layout; slot 1 is -1 when one object is predicted).</summary>
    public static Tensor Predict(AttributeLogits logits)
    {
        using var scope = NewDisposeScope();
        long n = logits.Count.shape[0];
        var result = full(new long[] { n, CaptionedShapes.AttributeCount }, -1L, ScalarType.Int64); // cpu: data and evaluation on the CPU
        var objects = logits.Count.argmax(1).add(1);
        result[TensorIndex.Colon, CaptionedShapes.ObjectCountIndex] = objects;
        result[TensorIndex.Colon, CaptionedShapes.BackgroundIndex] = logits.Background.argmax(1);
        for (int s = 0; s < CaptionedShapes.MaxObjects; s++)
        {
            var present = objects.gt(s);
            Tensor Or(Tensor l) => l.argmax(1).where(present, -1L);
            result[TensorIndex.Colon, CaptionedShapes.IndexOf(s, 0)] = Or(logits.Shape[s]);
            result[TensorIndex.Colon, CaptionedShapes.IndexOf(s, 1)] = Or(logits.Colour[s]);
            result[TensorIndex.Colon, CaptionedShapes.IndexOf(s, 2)] = Or(logits.Size[s]);
            result[TensorIndex.Colon, CaptionedShapes.IndexOf(s, 3)] = Or(logits.Position[s]);
        }
        return result.MoveToOuterDisposeScope();
    }
}

/// <summary>Per-attribute accuracy of predicted against captioned shapes attributes, and the share of images whose every attribute matches.</summary>
public sealed record ConsistencyScore(int Images, int Objects, double Count, double Background, double Shape, double Colour, double Size, double Position, double AllMatch);

/// <summary>
/// Scores generated images against the attributes their captions name. Objects are matched by position with the
/// Hungarian algorithm (cost: distance between grid cells), so a misplaced object is compared with the caption's
/// object it stands in for and counts as wrong, rather than being unmatched. A caption object left without a
/// predicted object (too few predicted) is wrong in all four attributes.
/// </summary>
public static class CaptionConsistency
{
    /// <summary>Matches the objects of one image: for each caption object, the index of its predicted object or -1.</summary>
    public static int[] MatchObjects(IReadOnlyList<ShapeObject> caption, IReadOnlyList<ShapeObject> predicted)
    {
        var cost = new double[caption.Count, predicted.Count];
        for (int i = 0; i < caption.Count; i++)
            for (int j = 0; j < predicted.Count; j++)
            {
                int dr = caption[i].Position / 3 - predicted[j].Position / 3, dc = caption[i].Position % 3 - predicted[j].Position % 3;
                cost[i, j] = Math.Sqrt(dr * dr + dc * dc);
            }
        return Hungarian.Solve(cost);
    }

    /// <summary>Scores predicted rows against caption rows (both int64 N×10 in the shapes layout).</summary>
    public static ConsistencyScore Score(Tensor predicted, Tensor caption)
    {
        var p = Rows(predicted);
        var t = Rows(caption);
        if (p.Count != t.Count) throw new ArgumentException($"{p.Count} predicted rows for {t.Count} caption rows");
        int objects = 0, count = 0, background = 0, shape = 0, colour = 0, size = 0, position = 0, all = 0;
        for (int n = 0; n < p.Count; n++)
        {
            var (pBg, pObjects) = p[n];
            var (tBg, tObjects) = t[n];
            bool countOk = pObjects.Count == tObjects.Count, bgOk = pBg == tBg, every = countOk && bgOk;
            count += countOk ? 1 : 0;
            background += bgOk ? 1 : 0;
            var match = MatchObjects(tObjects, pObjects);
            for (int i = 0; i < tObjects.Count; i++)
            {
                objects++;
                if (match[i] < 0) { every = false; continue; }
                var (a, b) = (tObjects[i], pObjects[match[i]]);
                shape += a.Shape == b.Shape ? 1 : 0;
                colour += a.Colour == b.Colour ? 1 : 0;
                size += a.Size == b.Size ? 1 : 0;
                position += a.Position == b.Position ? 1 : 0;
                every &= a == b;
            }
            all += every ? 1 : 0;
        }
        double Share(int k, int of) => of == 0 ? double.NaN : (double)k / of;
        return new ConsistencyScore(p.Count, objects, Share(count, p.Count), Share(background, p.Count), Share(shape, objects),
            Share(colour, objects), Share(size, objects), Share(position, objects), Share(all, p.Count));
    }

    static List<(int Background, List<ShapeObject> Objects)> Rows(Tensor attributes)
    {
        int width = CaptionedShapes.AttributeCount;
        var v = attributes.to_type(ScalarType.Int64).contiguous().data<long>().ToArray(); // cpu: evaluation on the CPU
        var rows = new List<(int, List<ShapeObject>)>();
        for (int n = 0; n < v.Length / width; n++)
        {
            var objects = new List<ShapeObject>();
            for (int s = 0; s < CaptionedShapes.MaxObjects; s++)
            {
                long At(int a) => v[n * width + CaptionedShapes.IndexOf(s, a)];
                if (At(0) >= 0) objects.Add(new ShapeObject((int)At(0), (int)At(1), (int)At(2), (int)At(3)));
            }
            rows.Add(((int)v[n * width + CaptionedShapes.BackgroundIndex], objects));
        }
        return rows;
    }
}
