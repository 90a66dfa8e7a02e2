using GanSharp.Imaging;
using static TorchSharp.torch;

namespace GanSharp.Data.Synthetic;

/// <summary>Contact sheets of the rendered data, for docs and for looking at what the renderers make.</summary>
public static class SyntheticSheets
{
    /// <summary>
    /// A sheet of font digits: <paramref name="perDigit"/> rows, each holding 0–9 in order (drawn from
    /// <paramref name="fonts"/> at random styles), enlarged <paramref name="scale"/> times.
    /// </summary>
    public static void FontDigitSheet(string path, IReadOnlyList<DigitFont> fonts, int perDigit = 8, long seed = 0, int scale = 3)
    {
        using var scope = NewDisposeScope();
        var (images, labels) = FontDigits.Render(fonts, perDigit * 30, seed);
        var rows = new List<Tensor>();
        var byDigit = Enumerable.Range(0, 10).Select(d => labels.eq(d).nonzero().flatten()).ToArray();
        for (int r = 0; r < perDigit; r++)
            for (int d = 0; d < 10; d++)
                rows.Add(images[byDigit[d][r % byDigit[d].shape[0]]]);
        var sheet = stack(rows).to_type(ScalarType.Float32).div(127.5).sub(1.0);
        ImageGrid.Save(sheet, path, nrow: 10, padding: 2, scale: scale);
    }

    /// <summary>
    /// A sheet of heads across yaw: one row per identity (the first <paramref name="identities"/> of the train split
    /// under <paramref name="seed"/>), one column per yaw from −90° to 90°, each view under its dataset lighting.
    /// </summary>
    public static void HeadSheet(string path, int identities = 4, long seed = 0, int size = 64, int supersample = 2)
    {
        using var scope = NewDisposeScope();
        var t = Heads.Render(identities, "train", seed, size, supersample);
        var images = t["images"].to_type(ScalarType.Float32).div(127.5).sub(1.0);
        ImageGrid.Save(images, path, nrow: Heads.Yaws.Length, padding: 2, scale: 1);
        foreach (var v in t.Values) v.Dispose();
    }
}
