using static TorchSharp.torch;

namespace GanSharp.Families.ImageToImage;

/// <summary>
/// Runs an image-to-image network over an image of any size in overlapping tiles and blends them without seams.
/// Along each side a tile shares with a neighbour, its weight is 0 over the outer quarter of the overlap (the pixels
/// a convolution computed from zero padding), then rises as a raised cosine to 1; outputs are the weighted average.
/// With overlap ≥ 4 × the network's receptive radius (in input pixels) the result equals a whole-image pass up to
/// float rounding; larger receptive fields blend smoothly but are not exact within the overlap.
/// </summary>
public static class TiledInference
{
    /// <summary>
    /// Applies <paramref name="model"/> to <paramref name="image"/> (1×C×H×W float) tile by tile: tiles of
    /// <paramref name="tile"/>² input pixels overlapping by <paramref name="overlap"/>; the model must return
    /// <paramref name="scale"/>× the tile's size. <paramref name="progress"/> gets (tiles done, total) after each
    /// tile. Runs under no_grad; put the module in eval mode first. Returns 1×C'×scale·H×scale·W.
    /// </summary>
    public static Tensor Run(Func<Tensor, Tensor> model, Tensor image, int tile = 128, int overlap = 32, int scale = 1,
        Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (image.dim() != 4 || image.shape[0] != 1)
            throw new ArgumentException($"expected one image 1×C×H×W, got shape [{string.Join(", ", image.shape)}]", nameof(image));
        if (tile < 4 || overlap < 0 || overlap >= tile || scale < 1)
            throw new ArgumentOutOfRangeException(nameof(tile), $"need tile ≥ 4, 0 ≤ overlap < tile and scale ≥ 1, got tile {tile}, overlap {overlap}, scale {scale}");
        int h = (int)image.shape[2], w = (int)image.shape[3];
        var ys = Starts(h, tile, overlap);
        var xs = Starts(w, tile, overlap);
        int total = ys.Count * xs.Count, done = 0;

        using var _ = no_grad();
        Tensor? sum = null, weight = null;
        try
        {
            foreach (var y0 in ys)
                foreach (var x0 in xs)
                {
                    using var scope = NewDisposeScope();
                    int th = Math.Min(tile, h), tw = Math.Min(tile, w);
                    var input = image.narrow(2, y0, th).narrow(3, x0, tw);
                    var output = model(input);
                    if (output.dim() != 4 || output.shape[2] != th * scale || output.shape[3] != tw * scale)
                        throw new InvalidOperationException(
                            $"the model turned a {th}×{tw} tile into shape [{string.Join(", ", output.shape)}], not ×{scale} its size");
                    if (sum is null)
                    {
                        sum = zeros(new long[] { 1, output.shape[1], h * scale, w * scale }, output.dtype, device: output.device).MoveToOuterDisposeScope();
                        weight = zeros(new long[] { 1, 1, h * scale, w * scale }, output.dtype, device: output.device).MoveToOuterDisposeScope();
                    }
                    var wy = Ramp(th * scale, overlap * scale, y0 > 0, y0 + th < h);
                    var wx = Ramp(tw * scale, overlap * scale, x0 > 0, x0 + tw < w);
                    var mask = wy.outer(wx).to(output.dtype).to(output.device).reshape(1, 1, th * scale, tw * scale);
                    sum.narrow(2, y0 * scale, th * scale).narrow(3, x0 * scale, tw * scale).add_(output * mask);
                    weight!.narrow(2, y0 * scale, th * scale).narrow(3, x0 * scale, tw * scale).add_(mask);
                    progress?.Invoke(++done, total);
                }
            return sum!.div(weight!);
        }
        finally
        {
            sum?.Dispose();
            weight?.Dispose();
        }
    }

    /// <summary>Tile starts along one axis: every tile − overlap, the last one flush with the end (one tile if the image is smaller).</summary>
    public static List<int> Starts(int length, int tile, int overlap)
    {
        var starts = new List<int> { 0 };
        if (length <= tile) return starts;
        int step = tile - overlap;
        for (int s = step; s + tile < length; s += step) starts.Add(s);
        starts.Add(length - tile);
        return starts;
    }

    /// <summary>
    /// 1-D blend weights over <paramref name="n"/> output pixels: on a side shared with a neighbour (<paramref name="rampStart"/>,
    /// <paramref name="rampEnd"/>), 0 over the first quarter of the overlap, then a raised cosine up to 1 at its end.
    /// </summary>
    static Tensor Ramp(int n, int overlap, bool rampStart, bool rampEnd)
    {
        var w = Enumerable.Repeat(1.0, n).ToArray();
        int margin = overlap / 4, rise = overlap - 2 * margin;   // zero margin, cosine rise, (the neighbour's margin)
        void Apply(Func<int, int> at)
        {
            for (int i = 0; i < overlap && i < n; i++)
            {
                double v = i < margin ? 0 : i >= margin + rise ? 1 : 0.5 - 0.5 * Math.Cos(Math.PI * (i - margin + 0.5) / rise);
                w[at(i)] = Math.Min(w[at(i)], v);
            }
        }
        if (overlap > 0 && rampStart) Apply(i => i);
        if (overlap > 0 && rampEnd) Apply(i => n - 1 - i);
        return tensor(w, ScalarType.Float64); // cpu: moved to the output device where it is used
    }
}
