using System.Buffers.Binary;
using StbImageSharp;
using StbImageWriteSharp;

namespace GanSharp.Imaging;

/// <summary>Reads and writes 8-bit images as interleaved (H×W×C, row-major) byte arrays.</summary>
public static class ImageFile
{
    /// <summary>Largest image accepted by <see cref="Load"/>, in pixels (8192×8192; 256 MiB as RGBA).</summary>
    public const long MaxPixels = 8192L * 8192;

    private const long MaxPixelsPerByte = 4096;

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// Writes <paramref name="pixelsHwc"/> (height×width×channels bytes; 1 = grey, 3 = RGB, 4 = RGBA) as a PNG.
    /// The directory is created; the file appears whole or not at all (temp file in the same directory, then rename).
    /// </summary>
    public static void SavePng(string path, byte[] pixelsHwc, int width, int height, int channels)
    {
        ArgumentNullException.ThrowIfNull(pixelsHwc);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"image size must be positive, got {width}x{height}");
        var components = channels switch
        {
            1 => StbImageWriteSharp.ColorComponents.Grey,
            3 => StbImageWriteSharp.ColorComponents.RedGreenBlue,
            4 => StbImageWriteSharp.ColorComponents.RedGreenBlueAlpha,
            _ => throw new ArgumentOutOfRangeException(nameof(channels), $"channels must be 1, 3 or 4, got {channels}"),
        };
        long expected = (long)width * height * channels;
        if (pixelsHwc.Length != expected)
            throw new ArgumentException(
                $"pixel buffer holds {pixelsHwc.Length} bytes, but {width}x{height}x{channels} needs {expected}", nameof(pixelsHwc));

        WriteAtomically(path, stream => new ImageWriter().WritePng(pixelsHwc, width, height, components, stream));
    }

    /// <summary>
    /// Reads a PNG, JPEG, BMP, TGA, GIF (first frame) or PSD file. <paramref name="desiredChannels"/> (1–4) converts
    /// on load; without it the file's own channel count is returned.
    /// </summary>
    /// <exception cref="ImageException">The file is missing, unreadable, truncated or not a supported image.</exception>
    public static (byte[] Pixels, int Width, int Height, int Channels) Load(string path, int? desiredChannels = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var requested = desiredChannels switch
        {
            null => StbImageSharp.ColorComponents.Default,
            1 => StbImageSharp.ColorComponents.Grey,
            2 => StbImageSharp.ColorComponents.GreyAlpha,
            3 => StbImageSharp.ColorComponents.RedGreenBlue,
            4 => StbImageSharp.ColorComponents.RedGreenBlueAlpha,
            _ => throw new ArgumentOutOfRangeException(nameof(desiredChannels), $"desiredChannels must be 1 to 4, got {desiredChannels}"),
        };

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageException($"image file not found: {path}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageException($"cannot read image file {path}: {e.Message}", e);
        }

        if (bytes.Length == 0)
            throw new ImageException($"image file {path} is empty");
        // stb_image decodes what it can of a cut-off PNG without complaint; check the chunk structure first.
        if (bytes.AsSpan().StartsWith(PngSignature))
            CheckPngStructure(bytes, path);
        // stb_image loops forever on some cut-off JPEGs; walk the segments first.
        if (bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8)
            CheckJpegStructure(bytes, path);

        // Refuse a header claiming a huge image before the decoder allocates for it.
        ImageInfo? info;
        try
        {
            using var header = new MemoryStream(bytes, writable: false);
            info = ImageInfo.FromStream(header);
        }
        catch (Exception e)
        {
            throw new ImageException($"cannot decode image file {path} (corrupt or unsupported format): {e.Message}", e);
        }
        if (info is { } i && ((long)i.Width * i.Height > MaxPixels || i.Width <= 0 || i.Height <= 0))
            throw new ImageException($"image file {path} claims {i.Width}x{i.Height} pixels, more than the {MaxPixels} accepted: the file is corrupt, or resize it first");
        // No format here packs more than a few thousand pixels into a byte (deflate tops out near 1032:1, LZW near
        // 2730:1): a tiny file claiming a large image is corrupt, and is refused before the decoder allocates for it.
        if (info is { } j && (long)j.Width * j.Height > MaxPixelsPerByte * bytes.Length + 65536)
            throw new ImageException($"image file {path} claims {j.Width}x{j.Height} pixels, more than a file of {bytes.Length} bytes can hold: the file is corrupt");

        ImageResult result;
        try
        {
            result = ImageResult.FromMemory(bytes, requested);
        }
        catch (Exception e)
        {
            throw new ImageException($"cannot decode image file {path} (corrupt or unsupported format): {e.Message}", e);
        }
        if (result?.Data is null || result.Width <= 0 || result.Height <= 0)
            throw new ImageException($"cannot decode image file {path} (corrupt or unsupported format)");

        int channels = (int)result.Comp;
        long expected = (long)result.Width * result.Height * channels;
        if (channels is < 1 or > 4 || result.Data.Length < expected)
            throw new ImageException($"cannot decode image file {path}: decoder returned an incomplete image");
        var pixels = result.Data.Length == expected ? result.Data : result.Data.AsSpan(0, (int)expected).ToArray();
        return (pixels, result.Width, result.Height, channels);
    }

    /// <summary>Replaces <paramref name="path"/> with what <paramref name="write"/> writes, atomically (<see cref="GanSharp.IO.AtomicFile"/>).</summary>
    internal static void WriteAtomically(string path, Action<Stream> write)
    {
        try
        {
            GanSharp.IO.AtomicFile.Write(path, write);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageException($"cannot write image file {path}: {e.Message}", e);
        }
    }

    /// <summary>Walks the PNG chunks: each must fit in the file with a correct CRC, IHDR first, IDAT present, IEND last.</summary>
    private static void CheckPngStructure(byte[] bytes, string path)
    {
        int pos = PngSignature.Length;
        bool first = true, sawData = false;
        while (true)
        {
            if (pos + 8 > bytes.Length)
                throw new ImageException($"PNG file {path} is truncated: it ends before the IEND chunk ({bytes.Length} bytes)");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(pos));
            // Printable in messages even when the bytes are not.
            var type = string.Concat(bytes.AsSpan(pos + 4, 4).ToArray().Select(b => b is >= 0x21 and <= 0x7E ? (char)b : '?'));
            if (length > int.MaxValue || pos + 12L + length > bytes.Length)
                throw new ImageException($"PNG file {path} is truncated: chunk {type} at byte {pos} runs past the end of the file");
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(pos + 8 + (int)length));
            if (crc != Crc32(bytes.AsSpan(pos + 4, 4 + (int)length)))
                throw new ImageException($"PNG file {path} is corrupt: bad CRC in chunk {type} at byte {pos}");
            if (first && type != "IHDR")
                throw new ImageException($"PNG file {path} is corrupt: first chunk is {type}, not IHDR");
            first = false;
            sawData |= type == "IDAT";
            pos += 12 + (int)length;
            if (type == "IEND")
                break;
        }
        if (!sawData)
            throw new ImageException($"PNG file {path} is corrupt: it has no image data (IDAT chunk)");
    }

    /// <summary>
    /// Walks the JPEG segments: each marker segment must fit in the file, at least one scan (SOS) must be present and
    /// every scan's entropy-coded data must end in a marker (the file must not end inside the image data).
    /// </summary>
    private static void CheckJpegStructure(byte[] bytes, string path)
    {
        int pos = 2;
        bool sawScan = false;
        while (true)
        {
            if (pos >= bytes.Length)
                throw new ImageException($"JPEG file {path} is truncated: it ends before the end-of-image marker ({bytes.Length} bytes)");
            if (bytes[pos] != 0xFF)
                throw new ImageException($"JPEG file {path} is corrupt: no marker at byte {pos}");
            while (pos < bytes.Length && bytes[pos] == 0xFF) pos++; // fill bytes
            if (pos >= bytes.Length)
                throw new ImageException($"JPEG file {path} is truncated: it ends inside a marker");
            byte marker = bytes[pos++];
            if (marker == 0xD9) break; // EOI
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) continue; // no length
            if (pos + 2 > bytes.Length)
                throw new ImageException($"JPEG file {path} is truncated: marker 0xFF{marker:X2} at byte {pos - 2} has no length");
            int length = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(pos));
            if (length < 2 || pos + length > bytes.Length)
                throw new ImageException($"JPEG file {path} is truncated: segment 0xFF{marker:X2} at byte {pos - 2} runs past the end of the file");
            pos += length;
            if (marker != 0xDA) continue; // not a scan
            sawScan = true;
            // Entropy-coded data: FF 00 is a stuffed byte, FF D0-D7 a restart marker; any other FF xx ends the scan.
            while (true)
            {
                int ff = Array.IndexOf(bytes, (byte)0xFF, pos);
                if (ff < 0 || ff + 1 >= bytes.Length)
                    throw new ImageException($"JPEG file {path} is truncated: it ends inside the image data");
                byte next = bytes[ff + 1];
                if (next == 0x00 || next is >= 0xD0 and <= 0xD7 || next == 0xFF && ff + 2 < bytes.Length && bytes[ff + 2] == 0x00)
                {
                    pos = ff + 2;
                    continue;
                }
                pos = ff;
                break;
            }
        }
        if (!sawScan)
            throw new ImageException($"JPEG file {path} is corrupt: it has no image data (SOS segment)");
    }

    private static readonly uint[] CrcTable = MakeCrcTable();

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (var b in data)
            c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
