using GanSharp.Imaging;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Attacks;

/// <summary>One column of the examples figure: the true label and the model's verdict before and after.</summary>
public readonly record struct ExampleLabels(long Label, long CleanPrediction, float CleanConfidence, long AdvPrediction, float AdvConfidence);

/// <summary>
/// The examples figure: one column per example and three rows: the original, the perturbation (adv − x, amplified
/// per image so that its largest |value| is black or white, zero is mid-gray) and the adversarial image, each
/// with the prediction and its softmax confidence written under it (embedded DejaVu Sans, as in the plots).
/// </summary>
public static class AdversarialExamplesImage
{
    private const int Scale = 3, Cell = 28 * Scale, Caption = 16, Gap = 6, Left = 92, Top = 22;

    /// <summary>Writes the figure. <paramref name="originals"/> and <paramref name="adversarials"/>: K×1×28×28 in [0, 1].</summary>
    public static void Save(string path, Tensor originals, Tensor adversarials, IReadOnlyList<ExampleLabels> labels, string title)
    {
        int k = (int)originals.shape[0];
        if (k == 0 || labels.Count != k || !adversarials.shape.SequenceEqual(originals.shape) || originals.shape[1] != 1)
            throw new ArgumentException("examples must be K×1×H×W originals and adversarials with K labels");
        int h = (int)originals.shape[2], w = (int)originals.shape[3];
        using var scope = NewDisposeScope();
        var delta = adversarials.sub(originals);
        var amp = delta.flatten(1).abs().amax(1).clamp_min(1e-12).reshape(k, 1, 1, 1);
        var shown = delta.div(amp).mul(0.5).add(0.5);
        Tensor[] rows = [originals, shown, adversarials];
        string[] names = ["original", "perturbation", "adversarial"];

        int width = Left + k * (w * Scale + Gap), rowH = h * Scale + Caption + Gap;
        int height = Top + rows.Length * rowH;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var font = new SKFont(EmbeddedFonts.Regular, 11);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var red = new SKPaint { Color = new SKColor(200, 0, 0), IsAntialias = true };
        canvas.DrawText(title, 4, 15, SKTextAlign.Left, font, ink);
        for (int r = 0; r < rows.Length; r++)
        {
            int y0 = Top + r * rowH;
            canvas.DrawText(names[r], 4, y0 + h * Scale / 2 + 4, SKTextAlign.Left, font, ink);
            var pixels = rows[r].clamp(0.0, 1.0).mul(255.0).add(0.5).floor().to_type(ScalarType.Byte).contiguous().data<byte>().ToArray();
            for (int i = 0; i < k; i++)
            {
                int x0 = Left + i * (w * Scale + Gap);
                for (int py = 0; py < h * Scale; py++)
                    for (int px = 0; px < w * Scale; px++)
                    {
                        byte v = pixels[i * h * w + (py / Scale) * w + px / Scale];
                        bitmap.SetPixel(x0 + px, y0 + py, new SKColor(v, v, v));
                    }
                var l = labels[i];
                string caption = r switch
                {
                    0 => $"{l.CleanPrediction} ({l.CleanConfidence:P0})",
                    1 => $"true {l.Label}",
                    _ => $"{l.AdvPrediction} ({l.AdvConfidence:P0})",
                };
                bool wrong = (r == 0 && l.CleanPrediction != l.Label) || (r == 2 && l.AdvPrediction != l.Label);
                canvas.DrawText(caption, x0 + w * Scale / 2, y0 + h * Scale + 12, SKTextAlign.Center, font, wrong ? red : ink);
            }
        }
        canvas.Flush();
        var rgb = new byte[width * height * 3];
        var src = bitmap.Pixels;
        for (int i = 0; i < src.Length; i++)
        {
            rgb[3 * i] = src[i].Red;
            rgb[3 * i + 1] = src[i].Green;
            rgb[3 * i + 2] = src[i].Blue;
        }
        ImageFile.SavePng(path, rgb, width, height, 3);
    }
}
