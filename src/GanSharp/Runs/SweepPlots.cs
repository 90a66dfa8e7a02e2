using GanSharp.Training;
using GanSharp.Imaging;
using ScottPlot;
using SkiaSharp;

namespace GanSharp.Runs;

/// <summary>
/// The sweep's bar plot: one bar per configuration (mean over seeds, ± std as an error bar) with each seed's
/// value as a dot. Same look as <see cref="Plots"/> (its embedded font, atomic PNG write).
/// </summary>
public static class SweepPlots
{
    public static void Bars(string path, string[] configs, SweepStat[] stats, string title, string yLabel, int width = 900, int height = 540)
    {
        if (configs.Length != stats.Length) throw new ArgumentException($"{configs.Length} configurations but {stats.Length} statistics", nameof(stats));
        EmbeddedFonts.EnsureRegisteredWithScottPlot();
        var plot = new Plot();
        plot.Font.Set(Plots.FontName);
        plot.Title(title, size: 16);
        plot.YLabel(yLabel, size: 16);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;

        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        var dotX = new List<double>();
        var dotY = new List<double>();
        for (int i = 0; i < configs.Length; i++)
        {
            var s = stats[i];
            if (double.IsFinite(s.Mean))
                bars.Add(new Bar { Position = i, Value = s.Mean, Error = double.IsFinite(s.Std) ? s.Std : 0, FillColor = palette.GetColor(i % 10).WithAlpha(0.7) });
            var finite = s.Values.Where(double.IsFinite).ToList();
            for (int k = 0; k < finite.Count; k++)
            {
                // Seeds spread a little sideways so equal values stay visible.
                dotX.Add(i + (finite.Count == 1 ? 0 : -0.15 + 0.3 * k / (finite.Count - 1)));
                dotY.Add(finite[k]);
            }
        }
        if (bars.Count > 0) plot.Add.Bars(bars);
        if (dotX.Count > 0)
        {
            var dots = plot.Add.Markers(dotX.ToArray(), dotY.ToArray(), MarkerShape.FilledCircle, size: 7, color: Colors.Black.WithAlpha(0.75));
            dots.LegendText = "seeds";
            plot.ShowLegend(Alignment.UpperRight);
        }
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < configs.Length; i++) ticks.AddMajor(i, configs[i]);
        plot.Axes.Bottom.TickGenerator = ticks;
        if (configs.Length > 4) plot.Axes.Bottom.TickLabelStyle.Rotation = -30;
        if (configs.Length > 4) plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Margins(bottom: 0);
        var bytes = plot.GetImageBytes(width, height, ImageFormat.Png);
        ImageFile.WriteAtomically(path, stream => stream.Write(bytes));
    }
}
