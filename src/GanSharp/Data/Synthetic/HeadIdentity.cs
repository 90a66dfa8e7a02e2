namespace GanSharp.Data.Synthetic;

/// <summary>
/// The shape and colours of one procedural head (units: the cranium is about 1 wide, y up, the face looks along +z).
/// Sampled by <see cref="Sample"/>; <see cref="Asymmetry"/> 0 makes the head mirror-symmetric in x.
/// </summary>
public sealed record HeadIdentity
{
    public double HeadWidth { get; init; } = 0.8;     // cranium half-width (x radius)
    public double HeadHeight { get; init; } = 1.05;    // cranium y radius
    public double HeadDepth { get; init; } = 1.0;      // cranium z radius
    public double JawWidth { get; init; } = 0.65;      // jaw ellipsoid x radius
    public double JawHeight { get; init; } = 0.6;      // jaw ellipsoid y radius (how low the chin reaches)
    public double EyeSpacing { get; init; } = 0.3;    // half the distance between the eye centres
    public double EyeHeight { get; init; } = 0.08;     // eye centre height
    public double EyeSize { get; init; } = 0.11;       // eyeball radius
    public double NoseLength { get; init; } = 0.24;    // how far the nose stands out (z radius)
    public double NoseWidth { get; init; } = 0.12;     // nose x radius
    public double MouthWidth { get; init; } = 0.24;    // half the mouth width
    public double EarSize { get; init; } = 0.2;        // ear y radius
    public double Hairline { get; init; } = 0.5;       // height of the hairline at the forehead
    public double Asymmetry { get; init; }             // right eye higher by this much, nose shifted by half of it
    public (double R, double G, double B) Skin { get; init; } = (0.86, 0.68, 0.56);
    public (double R, double G, double B) Iris { get; init; } = (0.35, 0.22, 0.1);
    public (double R, double G, double B) Hair { get; init; } = (0.2, 0.13, 0.07);

    private static readonly (double, double, double)[] IrisColours =
        [(0.36, 0.22, 0.1), (0.2, 0.4, 0.75), (0.25, 0.5, 0.3), (0.45, 0.48, 0.5), (0.5, 0.38, 0.15), (0.15, 0.1, 0.06)];

    private static readonly (double, double, double)[] HairColours =
        [(0.06, 0.05, 0.05), (0.22, 0.13, 0.07), (0.42, 0.26, 0.13), (0.85, 0.7, 0.4), (0.62, 0.25, 0.1), (0.7, 0.7, 0.7)];

    /// <summary>A random identity; <paramref name="asymmetry"/> bounds the left–right difference (0: symmetric).</summary>
    public static HeadIdentity Sample(Random r, double asymmetry = 0.03)
    {
        double U(double lo, double hi) => lo + (hi - lo) * r.NextDouble();
        (double, double, double) Jitter((double R, double G, double B) c, double j) =>
            (Math.Clamp(c.R + U(-j, j), 0, 1), Math.Clamp(c.G + U(-j, j), 0, 1), Math.Clamp(c.B + U(-j, j), 0, 1));
        // Skin from light to dark along a natural-looking line.
        double t = r.NextDouble();
        var skin = (0.93 - 0.55 * t, 0.76 - 0.5 * t, 0.65 - 0.45 * t);
        return new HeadIdentity
        {
            HeadWidth = U(0.74, 0.86),
            HeadHeight = U(1.0, 1.12),
            HeadDepth = U(0.95, 1.06),
            JawWidth = U(0.55, 0.72),
            JawHeight = U(0.55, 0.7),
            EyeSpacing = U(0.26, 0.34),
            EyeHeight = U(0.03, 0.13),
            EyeSize = U(0.095, 0.12),
            NoseLength = U(0.2, 0.32),
            NoseWidth = U(0.09, 0.15),
            MouthWidth = U(0.17, 0.3),
            EarSize = U(0.15, 0.24),
            Hairline = U(0.3, 0.68),
            Asymmetry = U(-asymmetry, asymmetry),
            Skin = Jitter(skin, 0.03),
            Iris = Jitter(IrisColours[r.Next(IrisColours.Length)], 0.05),
            Hair = Jitter(HairColours[r.Next(HairColours.Length)], 0.04),
        };
    }
}

/// <summary>Lighting of one view: a directional light (world space, towards the light) plus ambient, and a background grey.</summary>
public readonly record struct HeadLighting(double Azimuth, double Elevation, double Intensity, double Ambient, double Background)
{
    /// <summary>Light from the front, level: keeps a symmetric head symmetric in the picture.</summary>
    public static HeadLighting Frontal => new(0, 0, 0.8, 0.3, 0.5);

    /// <summary>Random: azimuth ±60°, elevation 5–50°, intensity 0.65–0.95, ambient 0.2–0.4, background 0.15–0.85.</summary>
    public static HeadLighting Sample(Random r) => new(
        (r.NextDouble() * 2 - 1) * 60, 5 + r.NextDouble() * 45, 0.65 + r.NextDouble() * 0.3, 0.2 + r.NextDouble() * 0.2, 0.15 + r.NextDouble() * 0.7);
}
