using ScottPlot;
using SkiaSharp;

namespace GanSharp.Imaging;

/// <summary>
/// The one place fonts come from: a DejaVu Sans subset (regular and bold) embedded in the assembly
/// (Imaging/Fonts/*.ttf, license beside them). Embedded so that plots and figures have text on machines with no
/// system fonts: SkiaSharp's NoDependencies build finds fonts only under /usr/share/fonts, and draws no text at
/// all when there are none.
/// </summary>
internal static class EmbeddedFonts
{
    /// <summary>Font family name under which the embedded font is registered with ScottPlot.</summary>
    public const string Name = "GanSharp Sans";

    private static readonly Lazy<SKTypeface> regular = new(() => Load(RegularFile));
    private static readonly Lazy<SKTypeface> bold = new(() => Load(BoldFile));
    private static readonly object RegisterLock = new();
    private static readonly Resolver PlotResolver = new();

    /// <summary>The regular typeface. Shared: callers must not dispose it.</summary>
    public static SKTypeface Regular => regular.Value;

    /// <summary>The bold typeface. Shared: callers must not dispose it.</summary>
    public static SKTypeface Bold => bold.Value;

    /// <summary>
    /// Puts the resolver first in ScottPlot's list. Checked on every plot rather than once:
    /// ScottPlot.Fonts.Reset() elsewhere would drop it.
    /// </summary>
    public static void EnsureRegisteredWithScottPlot()
    {
        lock (RegisterLock)
        {
            if (!ScottPlot.Fonts.FontResolvers.Contains(PlotResolver))
                ScottPlot.Fonts.FontResolvers.Insert(0, PlotResolver);
        }
    }

    /// <summary>The regular font file's bytes (a fresh copy).</summary>
    public static byte[] RegularTtf() => Bytes(RegularFile);

    /// <summary>The bold font file's bytes (a fresh copy).</summary>
    public static byte[] BoldTtf() => Bytes(BoldFile);

    private const string RegularFile = "DejaVuSans-subset.ttf", BoldFile = "DejaVuSans-Bold-subset.ttf";

    private static byte[] Bytes(string file)
    {
        string resource = "GanSharp.Imaging.Fonts." + file;
        using var stream = typeof(EmbeddedFonts).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded font resource '{resource}' is missing from the assembly");
        using var ttf = new MemoryStream();
        stream.CopyTo(ttf);
        return ttf.ToArray();
    }

    private static SKTypeface Load(string file) =>
        SKTypeface.FromData(SKData.CreateCopy(Bytes(file)))
            ?? throw new InvalidOperationException($"embedded font '{file}' could not be loaded");

    /// <summary>Resolves <see cref="Name"/> to the embedded typefaces; other names fall through to ScottPlot's resolvers.</summary>
    private sealed class Resolver : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
            CreateTypeface(fontName, bold: weight >= FontWeight.SemiBold, italic: false);

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            fontName == Name ? (bold ? Bold : Regular) : null;
    }
}
