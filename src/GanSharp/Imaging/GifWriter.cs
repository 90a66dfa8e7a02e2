using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Imaging;

/// <summary>
/// Writes animated GIF89a files (looping, one global 256-colour palette, LZW-compressed frames). Grayscale frames
/// use a 256-level gray palette (exact); colour frames are quantized to a 6×7×6 colour cube. No package the
/// project uses writes GIF, so this is a small encoder of its own (GIF89a specification, LZW as in the
/// specification's appendix F).
/// </summary>
public static class GifWriter
{
    /// <summary>
    /// Saves frames (N×C×H×W in [-1, 1], C = 1 or 3) as a looping animation with <paramref name="delayCs"/>
    /// hundredths of a second per frame. Written atomically (temp file + rename).
    /// </summary>
    public static void Save(Tensor frames, string path, int delayCs = 10)
    {
        if (frames.dim() != 4 || frames.shape[1] is not (1 or 3))
            throw new ArgumentException($"GIF frames must be N×1×H×W or N×3×H×W, got [{string.Join(",", frames.shape)}]");
        if (frames.shape[2] > 65535 || frames.shape[3] > 65535) throw new ArgumentException("GIF frames are at most 65535 pixels a side");
        using var scope = NewDisposeScope();
        int n = (int)frames.shape[0], c = (int)frames.shape[1], h = (int)frames.shape[2], w = (int)frames.shape[3];
        var bytes = frames.clamp(-1, 1).add(1).mul(127.5).add(0.5).floor().clamp(0, 255).to_type(ScalarType.Byte).contiguous();
        byte[] all = bytes.data<byte>().ToArray();
        bool gray = c == 1;
        GanSharp.IO.AtomicFile.Write(path, fs =>
        {
            using var bw = new BinaryWriter(fs, System.Text.Encoding.UTF8, leaveOpen: true);
            bw.Write("GIF89a"u8);
            bw.Write((ushort)w);
            bw.Write((ushort)h);
            bw.Write((byte)0xF7);                     // global colour table, 8 bits, 256 entries
            bw.Write((byte)0);                        // background colour index
            bw.Write((byte)0);                        // pixel aspect ratio
            for (int i = 0; i < 256; i++)
            {
                var (r, g, b) = gray ? (i, i, i) : CubeColour(i);
                bw.Write((byte)r); bw.Write((byte)g); bw.Write((byte)b);
            }
            bw.Write(new byte[] { 0x21, 0xFF, 0x0B });          // application extension: loop forever
            bw.Write("NETSCAPE2.0"u8);
            bw.Write(new byte[] { 0x03, 0x01, 0x00, 0x00, 0x00 });
            var indices = new byte[w * h];
            for (int f = 0; f < n; f++)
            {
                int frame = f * c * h * w, plane = h * w;
                for (int p = 0; p < plane; p++)
                    indices[p] = gray ? all[frame + p] : CubeIndex(all[frame + p], all[frame + plane + p], all[frame + 2 * plane + p]);
                bw.Write(new byte[] { 0x21, 0xF9, 0x04, 0x00 });  // graphic control extension
                bw.Write((ushort)delayCs);
                bw.Write(new byte[] { 0x00, 0x00 });
                bw.Write((byte)0x2C);                             // image descriptor
                bw.Write((ushort)0); bw.Write((ushort)0);
                bw.Write((ushort)w); bw.Write((ushort)h);
                bw.Write((byte)0);
                bw.Write((byte)8);                                // LZW minimum code size
                var data = Lzw(indices);
                for (int at = 0; at < data.Length; at += 255)
                {
                    int len = Math.Min(255, data.Length - at);
                    bw.Write((byte)len);
                    bw.Write(data, at, len);
                }
                bw.Write((byte)0);
            }
            bw.Write((byte)0x3B);
            bw.Flush();
        });
    }

    private static (int R, int G, int B) CubeColour(int i) =>
        i >= 252 ? (0, 0, 0) : (i / 42 * 51, i / 6 % 7 * 255 / 6, i % 6 * 51);

    private static byte CubeIndex(byte r, byte g, byte b) =>
        (byte)((r * 5 + 127) / 255 * 42 + (g * 6 + 127) / 255 * 6 + (b * 5 + 127) / 255);

    /// <summary>Variable-length LZW codes (8-bit symbols, codes of 9 to 12 bits, least significant bit first).</summary>
    public static byte[] Lzw(ReadOnlySpan<byte> symbols)
    {
        const int minCodeSize = 8, clear = 1 << minCodeSize, end = clear + 1;
        var output = new List<byte>();
        int bitBuffer = 0, bitCount = 0, codeSize = minCodeSize + 1, next = end + 1;
        var table = new Dictionary<int, int>();
        void Emit(int code)
        {
            bitBuffer |= code << bitCount;
            bitCount += codeSize;
            while (bitCount >= 8) { output.Add((byte)(bitBuffer & 0xFF)); bitBuffer >>= 8; bitCount -= 8; }
        }
        Emit(clear);
        if (symbols.Length == 0) { Emit(end); Flush(); return output.ToArray(); }
        int prefix = symbols[0];
        for (int i = 1; i < symbols.Length; i++)
        {
            int key = (prefix << 8) | symbols[i];
            if (table.TryGetValue(key, out int code)) { prefix = code; continue; }
            Emit(prefix);
            table[key] = next++;
            if (next > (1 << codeSize) && codeSize < 12) codeSize++;
            if (next == 4096)
            {
                Emit(clear);
                table.Clear();
                next = end + 1;
                codeSize = minCodeSize + 1;
            }
            prefix = symbols[i];
        }
        Emit(prefix);
        Emit(end);
        Flush();
        return output.ToArray();

        void Flush()
        {
            if (bitCount > 0) output.Add((byte)(bitBuffer & 0xFF));
            bitBuffer = 0;
            bitCount = 0;
        }
    }
}
