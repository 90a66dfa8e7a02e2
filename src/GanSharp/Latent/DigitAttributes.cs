using GanSharp.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Latent;

public enum AttributeKind
{
    /// <summary>Stroke thickness: 2·ink area / ink perimeter (see <see cref="DigitAttributes.Thickness"/>).</summary>
    Thickness,

    /// <summary>Slant: the shear −μ11/μ02 of the ink (see <see cref="DigitAttributes.Slant"/>).</summary>
    Slant,

    /// <summary>Class From → To as the classifier sees it: p(To) − p(From).</summary>
    Class,
}

/// <summary>An attribute of a generated image that the project measures itself ("thick", "slant", "class:3-8").</summary>
public sealed record LatentAttribute(AttributeKind Kind, int From = -1, int To = -1)
{
    public const string Usage = "thick, slant or class:A-B (two different digits 0-9, e.g. class:3-8)";

    public static LatentAttribute Parse(string text)
    {
        string s = text.Trim().ToLowerInvariant();
        if (s is "thick" or "thickness") return new LatentAttribute(AttributeKind.Thickness);
        if (s == "slant") return new LatentAttribute(AttributeKind.Slant);
        if (s.StartsWith("class:", StringComparison.Ordinal))
        {
            var parts = s["class:".Length..].Split('-');
            if (parts.Length == 2 && int.TryParse(parts[0], out int a) && int.TryParse(parts[1], out int b)
                && a is >= 0 and <= 9 && b is >= 0 and <= 9 && a != b)
                return new LatentAttribute(AttributeKind.Class, a, b);
        }
        throw new ArgumentException($"unknown attribute '{text}': use {Usage}");
    }

    public bool NeedsClassifier => Kind == AttributeKind.Class;

    public override string ToString() => Kind switch
    {
        AttributeKind.Thickness => "thick",
        AttributeKind.Slant => "slant",
        _ => $"class:{From}-{To}",
    };

    /// <summary>What the measured number is, for reports.</summary>
    public string Measure => Kind switch
    {
        AttributeKind.Thickness => "stroke thickness (px, 2·ink area / ink perimeter)",
        AttributeKind.Slant => "slant (shear −μ11/μ02 of the ink; > 0 leans right)",
        _ => $"p({To}) − p({From}) (mnist-cnn)",
    };
}

/// <summary>
/// Measures of a digit image computed from its pixels (images N×C×H×W in [-1, 1]; channels are averaged).
/// "Ink" is a pixel above mid-grey (value &gt; 0).
/// </summary>
public static class DigitAttributes
{
    /// <summary>
    /// Mean stroke width in pixels: 2·A/P, A the number of ink pixels, P the number of pixel edges between ink and
    /// background (4-neighbourhood; the image border counts as background). A w×L bar gives wL/(w + L), which is
    /// w for a long stroke. Returns [N] float32; 0 for an image without ink.
    /// </summary>
    public static Tensor Thickness(Tensor images)
    {
        using var scope = NewDisposeScope();
        var ink = Grey(images).gt(0).to_type(ScalarType.Float32);                  // N×H×W
        var padded = nn.functional.pad(ink, new long[] { 1, 1, 1, 1 });             // N×(H+2)×(W+2), zero border
        var horizontal = padded.narrow(2, 1, padded.shape[2] - 1).sub(padded.narrow(2, 0, padded.shape[2] - 1)).abs().sum(new long[] { 1, 2 });
        var vertical = padded.narrow(1, 1, padded.shape[1] - 1).sub(padded.narrow(1, 0, padded.shape[1] - 1)).abs().sum(new long[] { 1, 2 });
        var area = ink.sum(new long[] { 1, 2 });
        return area.mul(2).div(horizontal.add(vertical).clamp_min(1)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Slant from the ink's second-order central moments with intensity weights p = (x + 1)/2: −μ11/μ02, the
    /// horizontal shift of the ink per pixel upwards (image y points down, hence the sign). Positive leans right
    /// like italics ("/"), negative leans left; 0 for upright or empty images. Returns [N] float32.
    /// </summary>
    public static Tensor Slant(Tensor images)
    {
        using var scope = NewDisposeScope();
        var p = Grey(images).add(1).div_(2).clamp_(0, 1).to_type(ScalarType.Float64); // N×H×W
        long h = p.shape[1], w = p.shape[2];
        var ys = arange(h, ScalarType.Float64).reshape(1, h, 1);
        var xs = arange(w, ScalarType.Float64).reshape(1, 1, w);
        var mass = p.sum(new long[] { 1, 2 }, keepdim: true).clamp_min(1e-9);
        var cx = p.mul(xs).sum(new long[] { 1, 2 }, keepdim: true).div(mass);
        var cy = p.mul(ys).sum(new long[] { 1, 2 }, keepdim: true).div(mass);
        var dx = xs.sub(cx);
        var dy = ys.sub(cy);
        var mu11 = p.mul(dx).mul(dy).sum(new long[] { 1, 2 });
        var mu02 = p.mul(dy).mul(dy).sum(new long[] { 1, 2 });
        return mu11.neg().div(mu02.clamp_min(1e-9)).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The attribute's measure for each image ([N] float32) and, for class attributes, the classifier's predicted
    /// class ([N] int64; null otherwise). Class attributes need a classifier taking the images' shape.
    /// </summary>
    public static (Tensor Score, Tensor? Predicted) Measure(LatentAttribute attribute, Tensor images, IFeatureNetwork? classifier)
    {
        switch (attribute.Kind)
        {
            case AttributeKind.Thickness:
                return (Thickness(images), null);
            case AttributeKind.Slant:
                return (Slant(images), null);
            default:
                if (classifier is null || classifier.NumClasses <= Math.Max(attribute.From, attribute.To))
                    throw new ArgumentException($"attribute {attribute} needs a digit classifier with at least {Math.Max(attribute.From, attribute.To) + 1} classes");
                using (var scope = NewDisposeScope())
                {
                    var (features, logits) = classifier.Forward(images);
                    var prob = logits!.softmax(1);
                    var score = prob.select(1, attribute.To).sub(prob.select(1, attribute.From)).to_type(ScalarType.Float32);
                    var predicted = logits.argmax(1);
                    return (score.MoveToOuterDisposeScope(), predicted.MoveToOuterDisposeScope());
                }
        }
    }

    private static Tensor Grey(Tensor images) => images.to_type(ScalarType.Float32).mean(new long[] { 1 }); // N×C×H×W → N×H×W
}
