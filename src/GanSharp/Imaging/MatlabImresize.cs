using static TorchSharp.torch;

namespace GanSharp.Imaging;

/// <summary>
/// Bicubic resize as MATLAB's <c>imresize(A, scale)</c> does it for double images, the resize super-resolution
/// papers (Ledig et al. 2017 among them) use to make their low-resolution inputs: Keys cubic kernel with a = −0.5;
/// when shrinking, the kernel is widened by 1/scale (h(x) = s·cubic(s·x), so it also antialiases); output pixel
/// centres map back by u = x/s + (1 − 1/s)/2; indices past the edge are mirrored (symmetric padding); each output's
/// weights are normalised to sum to 1; the output size is ceil(scale·size). Rows and columns are two separable 1-D
/// weighted sums, each one matmul with a dense out×in matrix, so the whole resize is differentiable.
/// </summary>
public static class MatlabImresize
{
    /// <summary>
    /// Resizes a floating-point N×C×H×W tensor by <paramref name="scale"/> (e.g. 0.25 for ×4 downsampling) to
    /// N×C×ceil(scale·H)×ceil(scale·W). Values are not clamped or rounded (bicubic overshoots slightly).
    /// </summary>
    public static Tensor Resize(Tensor nchw, double scale) => Resize(nchw, scale, scale);

    /// <summary>Resizes height by <paramref name="scaleH"/> and width by <paramref name="scaleW"/> (see <see cref="Resize(Tensor, double)"/>).</summary>
    public static Tensor Resize(Tensor nchw, double scaleH, double scaleW)
    {
        Check(nchw);
        if (!(scaleH > 0) || !(scaleW > 0) || double.IsInfinity(scaleH) || double.IsInfinity(scaleW))
            throw new ArgumentOutOfRangeException(nameof(scaleH), $"scale must be a positive finite number, got {scaleH} x {scaleW}");
        long h = nchw.shape[2], w = nchw.shape[3];
        int outH = checked((int)Math.Ceiling(scaleH * h)), outW = checked((int)Math.Ceiling(scaleW * w));
        return Apply(nchw, outH, outW, scaleH, scaleW);
    }

    /// <summary>
    /// Resizes to exactly <paramref name="outH"/>×<paramref name="outW"/>; the scale of each axis is out/in, as
    /// <c>imresize(A, [rows cols])</c> derives it.
    /// </summary>
    public static Tensor ResizeTo(Tensor nchw, int outH, int outW)
    {
        Check(nchw);
        if (outH <= 0 || outW <= 0)
            throw new ArgumentOutOfRangeException(nameof(outH), $"target size must be positive, got {outH}x{outW}");
        return Apply(nchw, outH, outW, (double)outH / nchw.shape[2], (double)outW / nchw.shape[3]);
    }

    /// <summary>
    /// Resizes uint8 N×C×H×W images as imresize does for uint8 input: rows first, then columns (equal scales keep
    /// that order), each pass rounded half away from zero and saturated to 0–255. This is how the published ×4 LR
    /// images (Set5, Set14, DIV2K) were made from uint8 photos.
    /// </summary>
    public static Tensor ResizeBytes(Tensor images, double scale)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dtype != ScalarType.Byte || images.dim() != 4)
            throw new ArgumentException($"expected uint8 N×C×H×W images, got {images.dtype} [{string.Join(", ", images.shape)}]", nameof(images));
        if (!(scale > 0) || double.IsInfinity(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), $"scale must be a positive finite number, got {scale}");
        using var scope = NewDisposeScope();
        int h = (int)images.shape[2], w = (int)images.shape[3];
        int outH = checked((int)Math.Ceiling(scale * h)), outW = checked((int)Math.Ceiling(scale * w));
        var x = images.to_type(ScalarType.Float64);
        var byRows = ImageTensor.ToBytes(Taps(x, 2, h, outH, scale)).to_type(ScalarType.Float64);   // N×C×outH×W, rounded
        return ImageTensor.ToBytes(Taps(byRows, 3, w, outW, scale)).MoveToOuterDisposeScope();      // N×C×outH×outW
    }

    /// <summary>
    /// One axis of the resize as a sum over the kernel's taps (<see cref="Contributions"/>): out[k] = Σ_j w[k, j]·in[idx[k, j]].
    /// The same weights as <see cref="WeightMatrix"/>, but the cost is taps × output size, not input × output size
    /// (a 5120-pixel photo shrunk to 512 costs 24 taps per output pixel, not 5120).
    /// </summary>
    static Tensor Taps(Tensor x, int dim, int inLength, int outLength, double scale)
    {
        var (weights, indices) = Contributions(inLength, outLength, scale);
        int taps = weights.GetLength(1);
        var shape = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
        shape[dim] = outLength;
        Tensor? sum = null;
        using TorchSharp.Scalar one = 1;   // add_'s alpha, kept alive through the native call (see ImageTensor.Load)
        for (int j = 0; j < taps; j++)
        {
            var wj = new double[outLength];
            var ij = new long[outLength];
            bool any = false;
            for (int k = 0; k < outLength; k++)
            {
                wj[k] = weights[k, j];
                ij[k] = indices[k, j];
                any |= wj[k] != 0;
            }
            if (!any) continue;                                                   // a tap no output uses
            using var idx = tensor(ij, ScalarType.Int64);
            using var w = tensor(wj, ScalarType.Float64).reshape(shape);
            using var picked = x.index_select(dim, idx);
            var term = picked.mul(w);
            if (sum is null) sum = term;
            else
            {
                sum.add_(term, one);
                term.Dispose();
            }
        }
        return sum ?? zeros_like(x.narrow(dim, 0, 1)).expand(Enumerable.Range(0, (int)x.dim()).Select(d => d == dim ? (long)outLength : x.shape[d]).ToArray()).contiguous();
    }

    /// <summary>
    /// The out×in matrix M with out = M·in along one axis (row k holds the weights of output pixel k, summed over
    /// mirrored input indices): float64.
    /// </summary>
    public static double[,] WeightMatrix(int inLength, int outLength, double scale)
    {
        if (inLength <= 0 || outLength <= 0)
            throw new ArgumentOutOfRangeException(nameof(inLength), $"lengths must be positive, got {inLength} -> {outLength}");
        var (weights, indices) = Contributions(inLength, outLength, scale);
        var m = new double[outLength, inLength];
        for (int k = 0; k < outLength; k++)
            for (int j = 0; j < weights.GetLength(1); j++)
                m[k, indices[k, j]] += weights[k, j];
        return m;
    }

    /// <summary>
    /// MATLAB's <c>contributions</c>: per output pixel, the weights of the P = ceil(width) + 2 candidate input
    /// pixels and their 0-based (mirrored) indices. Columns whose weights are zero for every output are kept here
    /// (they add nothing to <see cref="WeightMatrix"/>).
    /// </summary>
    public static (double[,] Weights, int[,] Indices) Contributions(int inLength, int outLength, double scale)
    {
        double kernelWidth = 4.0;
        bool widen = scale < 1;                  // antialiasing: on by default for bicubic in imresize
        if (widen) kernelWidth /= scale;
        int p = (int)Math.Ceiling(kernelWidth) + 2;
        var weights = new double[outLength, p];
        var indices = new int[outLength, p];
        for (int k = 0; k < outLength; k++)
        {
            double x = k + 1;                                    // MATLAB's 1-based output coordinate
            double u = x / scale + 0.5 * (1 - 1 / scale);        // its centre in input coordinates
            double left = Math.Floor(u - kernelWidth / 2);
            double sum = 0;
            for (int j = 0; j < p; j++)
            {
                double index = left + j;                         // 1-based, may lie outside 1..in
                double wgt = widen ? scale * Cubic(scale * (u - index)) : Cubic(u - index);
                weights[k, j] = wgt;
                sum += wgt;
                indices[k, j] = Mirror((long)index - 1, inLength);
            }
            for (int j = 0; j < p; j++) weights[k, j] /= sum;
        }
        return (weights, indices);
    }

    /// <summary>Keys' cubic convolution kernel with a = −0.5.</summary>
    public static double Cubic(double x)
    {
        double ax = Math.Abs(x), ax2 = ax * ax, ax3 = ax2 * ax;
        if (ax <= 1) return 1.5 * ax3 - 2.5 * ax2 + 1;
        if (ax <= 2) return -0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2;
        return 0;
    }

    /// <summary>Symmetric padding: 0-based index i into [0, n) mirrored as MATLAB's aux = [1..n, n..1] does it.</summary>
    static int Mirror(long i, int n)
    {
        long period = 2L * n;
        long m = ((i % period) + period) % period;
        return (int)(m < n ? m : period - 1 - m);
    }

    static Tensor Apply(Tensor nchw, int outH, int outW, double scaleH, double scaleW)
    {
        int h = (int)nchw.shape[2], w = (int)nchw.shape[3];
        using var rows = MatrixTensor(WeightMatrix(h, outH, scaleH), nchw);       // outH × H
        using var colsOut = MatrixTensor(WeightMatrix(w, outW, scaleW), nchw);    // outW × W
        using var cols = colsOut.t();                                             // W × outW
        using var byCols = nchw.matmul(cols);                                     // N×C×H×outW
        return rows.matmul(byCols);                                               // N×C×outH×outW
    }

    static Tensor MatrixTensor(double[,] m, Tensor like)
    {
        var flat = new double[m.Length];
        Buffer.BlockCopy(m, 0, flat, 0, flat.Length * sizeof(double));
        using var t = tensor(flat, new long[] { m.GetLength(0), m.GetLength(1) }, ScalarType.Float64);
        return t.to(like.dtype, like.device);
    }

    static void Check(Tensor nchw)
    {
        ArgumentNullException.ThrowIfNull(nchw);
        if (nchw.dim() != 4)
            throw new ArgumentException($"expected N×C×H×W, got shape [{string.Join(", ", nchw.shape)}]", nameof(nchw));
        if (!nchw.is_floating_point())
            throw new ArgumentException($"expected a floating-point tensor, got {nchw.dtype}", nameof(nchw));
        if (nchw.shape[2] == 0 || nchw.shape[3] == 0)
            throw new ArgumentException("image has zero height or width", nameof(nchw));
    }
}
