using GanSharp.Imaging;
using Xunit;

namespace GanSharp.Tests.Imaging;

public class PlotsTests
{
    private static void AssertPngOfSize(string path, int width, int height)
    {
        var (pixels, w, h, c) = ImageFile.Load(path, desiredChannels: 3);
        Assert.Equal((width, height), (w, h));
        Assert.Equal(3, c);
        Assert.Contains(pixels, b => b != pixels[0]);
        // Not just two colours either: there are lines, text and antialiasing.
        Assert.True(pixels.Chunk(3).Select(p => (p[0], p[1], p[2])).Distinct().Count() > 20);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public void LossCurves_writes_a_png_of_the_requested_size()
    {
        using var dir = new TempDir();
        var path = dir.File("sub/loss.png");
        var steps = Enumerable.Range(0, 500).Select(i => (double)i).ToArray();
        var series = new Dictionary<string, IReadOnlyList<double>>
        {
            ["loss_d"] = steps.Select(s => 1.4 - 0.3 * Math.Exp(-s / 100) + 0.1 * Math.Sin(s)).ToArray(),
            ["loss_g"] = steps.Select(s => s == 42 ? double.NaN : 0.7 + 0.5 * Math.Exp(-s / 80)).ToArray(),
        };

        Plots.LossCurves(path, steps, series, "losses", width: 640, height: 400);

        AssertPngOfSize(path, 640, 400);
    }

    [Fact]
    public void LossCurves_rejects_a_series_of_the_wrong_length()
    {
        using var dir = new TempDir();
        var series = new Dictionary<string, IReadOnlyList<double>> { ["loss_d"] = new double[] { 1, 2 } };
        var e = Assert.Throws<ArgumentException>(() => Plots.LossCurves(dir.File("x.png"), [0, 1, 2], series, "t"));
        Assert.Contains("loss_d", e.Message);
    }

    [Fact]
    public void Scatter2D_writes_a_png_of_the_requested_size()
    {
        using var dir = new TempDir();
        var path = dir.File("scatter.png");
        var rng = new Random(3);
        var xs = Enumerable.Range(0, 400).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var ys = Enumerable.Range(0, 400).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

        Plots.Scatter2D(path, xs, ys, [-1f, 1f], [0f, 0f], "samples", width: 500, height: 450);

        AssertPngOfSize(path, 500, 450);
    }

    [Fact]
    public void StackedBars_writes_a_png_of_the_requested_size()
    {
        using var dir = new TempDir();
        var path = dir.File("modes.png");
        var steps = new double[] { 0, 100, 200, 300 };
        var fractions = steps.Select((_, t) => new[] { 0.25 + 0.2 * t, 0.25, 0.25 - 0.1 * t, 0.25 - 0.1 * t }).ToArray();

        Plots.StackedBars(path, steps, fractions, ["0", "1", "2", "3"], "modes", width: 600, height: 300);

        AssertPngOfSize(path, 600, 300);
    }

    [Fact]
    public void Plots_use_the_embedded_font_not_whatever_the_machine_has()
    {
        using var dir = new TempDir();
        Plots.Scatter2D(dir.File("s.png"), [0f], [0f], [1f], [1f], "t", width: 100, height: 100);

        var typeface = ScottPlot.Fonts.GetTypeface(Plots.FontName, bold: false, italic: false);
        Assert.Equal("DejaVu Sans", typeface.FamilyName);
        Assert.True(typeface.GetGlyphs("loss_d 0.5").All(g => g != 0));
    }
}
