using ScottPlot;
using SkiaSharp;

namespace GanSharp.Imaging;

/// <summary>
/// Training plots as PNG files (ScottPlot 5). Text uses an embedded DejaVu Sans subset, so plots look the same on
/// every machine, with or without system fonts. Files are written atomically (temp file + rename).
/// </summary>
public static class Plots
{
    /// <summary>Font family name under which the embedded font is registered with ScottPlot.</summary>
    public const string FontName = EmbeddedFonts.Name;

    /// <summary>
    /// One line per series against the generator step, with a legend. With more than 200 points, each series is
    /// drawn faintly as it is and boldly as a centred moving average (window about 1/50 of the run).
    /// Non-finite values (a diverged loss) are left out.
    /// </summary>
    public static void LossCurves(string path, IReadOnlyList<double> steps,
        IReadOnlyDictionary<string, IReadOnlyList<double>> series, string title, int width = 900, int height = 540)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(series);
        foreach (var (name, values) in series)
            if (values.Count != steps.Count)
                throw new ArgumentException($"series '{name}' has {values.Count} values for {steps.Count} steps", nameof(series));

        var plot = NewPlot(title, "generator step", "value");
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var (name, values) in series)
        {
            var color = palette.GetColor(i++);
            var (xs, ys) = Finite(steps, values);
            if (xs.Length == 0)
                continue;
            bool smooth = xs.Length > 200;
            var raw = plot.Add.ScatterLine(xs, ys, smooth ? color.WithAlpha(0.25) : color);
            raw.LineWidth = smooth ? 1 : 2;
            if (!smooth)
            {
                raw.LegendText = name;
                continue;
            }
            var avg = plot.Add.ScatterLine(xs, MovingAverage(ys, Math.Max(3, xs.Length / 50 | 1)), color);
            avg.LineWidth = 2;
            avg.LegendText = $"{name} (smoothed)";
        }
        // Outside the axes: loss curves fill the whole frame, and a legend inside would hide some of them.
        plot.ShowLegend(Edge.Right);
        Save(plot, path, width, height);
    }

    /// <summary>
    /// 2-D samples as small semi-transparent dots and the true mixture means as large red markers, with equal
    /// scaling on both axes (a circle looks like a circle).
    /// </summary>
    public static void Scatter2D(string path, float[] xs, float[] ys, float[] meanXs, float[] meanYs, string title,
        int width = 700, int height = 700)
    {
        ArgumentNullException.ThrowIfNull(xs);
        ArgumentNullException.ThrowIfNull(ys);
        ArgumentNullException.ThrowIfNull(meanXs);
        ArgumentNullException.ThrowIfNull(meanYs);
        if (xs.Length != ys.Length)
            throw new ArgumentException($"{xs.Length} x values but {ys.Length} y values", nameof(ys));
        if (meanXs.Length != meanYs.Length)
            throw new ArgumentException($"{meanXs.Length} mean x values but {meanYs.Length} mean y values", nameof(meanYs));

        var plot = NewPlot(title, "x", "y");
        var (sx, sy) = Finite(xs, ys);
        if (sx.Length > 0)
        {
            var dots = plot.Add.Markers(sx, sy, MarkerShape.FilledCircle, size: 4, color: new Color(31, 119, 180).WithAlpha(0.35));
            dots.LegendText = $"generated ({sx.Length})";
        }
        var (mx, my) = Finite(meanXs, meanYs);
        if (mx.Length > 0)
        {
            var means = plot.Add.Markers(mx, my, MarkerShape.FilledCircle, size: 13, color: Colors.Red);
            means.MarkerLineColor = Colors.White;
            means.MarkerLineWidth = 1.5f;
            means.LegendText = "true means";
        }
        plot.Axes.SquareUnits();
        plot.Legend.Alignment = Alignment.UpperRight;
        plot.ShowLegend();
        Save(plot, path, width, height);
    }

    /// <summary>
    /// How the generated samples split over classes (or modes) as training goes on: a stacked area chart,
    /// one band per class, x = generator step, band height = <c>classFractions[step][class]</c>.
    /// Mode collapse shows as bands that thin out and vanish.
    /// </summary>
    public static void StackedBars(string path, IReadOnlyList<double> steps, double[][] classFractions,
        string[] classNames, string title, int width = 900, int height = 540)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(classFractions);
        ArgumentNullException.ThrowIfNull(classNames);
        if (classFractions.Length != steps.Count)
            throw new ArgumentException($"{classFractions.Length} rows of fractions for {steps.Count} steps", nameof(classFractions));
        for (int t = 0; t < classFractions.Length; t++)
            if (classFractions[t].Length != classNames.Length)
                throw new ArgumentException(
                    $"row {t} has {classFractions[t].Length} fractions for {classNames.Length} classes", nameof(classFractions));

        var plot = NewPlot(title, "generator step", "fraction of samples");
        int n = steps.Count;
        if (n > 0 && classNames.Length > 0)
        {
            // A single step is drawn as a narrow band so that it is still visible.
            double[] xs = n == 1 ? [steps[0] - 0.5, steps[0] + 0.5] : steps.ToArray();
            double[][] rows = n == 1 ? [classFractions[0], classFractions[0]] : classFractions;
            IPalette palette = classNames.Length <= 10 ? new ScottPlot.Palettes.Category10() : new ScottPlot.Palettes.Category20();
            // cumulative[k][t] = sum of the first k fractions at step t; band k lies between k and k+1.
            var cumulative = new double[classNames.Length + 1][];
            cumulative[0] = new double[xs.Length];
            for (int k = 0; k < classNames.Length; k++)
            {
                cumulative[k + 1] = new double[xs.Length];
                for (int t = 0; t < xs.Length; t++)
                {
                    double f = rows[t][k];
                    cumulative[k + 1][t] = cumulative[k][t] + (double.IsFinite(f) && f > 0 ? f : 0);
                }
            }
            // Added top band first, so the legend lists the classes in the order the bands are stacked on screen.
            for (int k = classNames.Length - 1; k >= 0; k--)
            {
                var band = plot.Add.FillY(xs, cumulative[k + 1], cumulative[k]);
                band.FillStyle.Color = palette.GetColor(k);
                band.LineStyle.Width = 0;
                band.LegendText = classNames[k];
            }
            double top = Math.Max(1.0, cumulative[^1].Max());
            plot.Axes.SetLimits(xs[0], xs[^1], 0, top);
        }
        plot.ShowLegend(Edge.Right);
        Save(plot, path, width, height);
    }

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        EmbeddedFonts.EnsureRegisteredWithScottPlot();
        var plot = new Plot();
        plot.Font.Set(FontName);
        plot.Title(title ?? "", size: 20);
        plot.Axes.Title.Label.Bold = true;
        plot.XLabel(xLabel, size: 16);
        plot.YLabel(yLabel, size: 16);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
        plot.Legend.FontSize = 13;
        plot.Legend.FontName = FontName;
        return plot;
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"plot size must be positive, got {width}x{height}");
        var bytes = plot.GetImageBytes(width, height, ImageFormat.Png);
        ImageFile.WriteAtomically(path, stream => stream.Write(bytes));
    }

    private static (double[] Xs, double[] Ys) Finite(IReadOnlyList<double> xs, IReadOnlyList<double> ys)
    {
        var fx = new List<double>(xs.Count);
        var fy = new List<double>(xs.Count);
        for (int i = 0; i < xs.Count; i++)
            if (double.IsFinite(xs[i]) && double.IsFinite(ys[i]))
            {
                fx.Add(xs[i]);
                fy.Add(ys[i]);
            }
        return (fx.ToArray(), fy.ToArray());
    }

    private static (double[] Xs, double[] Ys) Finite(float[] xs, float[] ys) =>
        Finite(Array.ConvertAll(xs, v => (double)v), Array.ConvertAll(ys, v => (double)v));

    /// <summary>Centred moving average; the window shrinks at the ends instead of padding.</summary>
    private static double[] MovingAverage(double[] ys, int window)
    {
        int half = window / 2;
        var prefix = new double[ys.Length + 1];
        for (int i = 0; i < ys.Length; i++)
            prefix[i + 1] = prefix[i] + ys[i];
        var result = new double[ys.Length];
        for (int i = 0; i < ys.Length; i++)
        {
            int lo = Math.Max(0, i - half), hi = Math.Min(ys.Length, i + half + 1);
            result[i] = (prefix[hi] - prefix[lo]) / (hi - lo);
        }
        return result;
    }
}
