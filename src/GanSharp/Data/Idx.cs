using System.Buffers.Binary;
using System.IO.Compression;

namespace GanSharp.Data;

/// <summary>
/// Reader for the IDX format of LeCun's MNIST files (big-endian header, then unsigned bytes), raw or gzip.
/// Headers are validated before anything is allocated, so a corrupt or hostile file fails with a
/// <see cref="DataException"/> instead of an out-of-memory.
/// </summary>
public static class Idx
{
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;

    /// <summary>Largest rows or cols accepted in an image header.</summary>
    public const int MaxSide = 4096;

    // Deflate cannot expand beyond about 1032:1, so a gzip file of n bytes holds at most this many times n.
    const long MaxGzipRatio = 1100;

    public static (byte[] Pixels, int Count, int Rows, int Cols) ReadImages(string path)
    {
        using var file = OpenFile(path);
        return ReadImages(file, path);
    }

    public static byte[] ReadLabels(string path)
    {
        using var file = OpenFile(path);
        return ReadLabels(file, path);
    }

    /// <summary>Reads an IDX image file (raw or gzip) from <paramref name="stream"/>; <paramref name="name"/> is used in errors.</summary>
    public static (byte[] Pixels, int Count, int Rows, int Cols) ReadImages(Stream stream, string name = "<stream>")
    {
        var (body, isGzip, limit) = Open(stream);
        using var _ = isGzip ? body : null;
        var header = ReadHeader(body, name, 16, ImagesMagic, "images (idx3)", "a *-images-idx3-ubyte file");
        int count = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(8));
        int cols = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(12));
        if (count < 0 || rows < 1 || cols < 1 || rows > MaxSide || cols > MaxSide)
            throw new DataException($"{name} has an impossible IDX header ({count} images of {rows}x{cols}; at most {MaxSide} per side): the file is corrupt, fetch it again");
        long needed = (long)count * rows * cols;
        if (needed > Array.MaxLength)
            throw new DataException($"{name} has an impossible IDX header ({count} images of {rows}x{cols} = {needed} bytes, more than one array can hold): the file is corrupt, fetch it again");
        var pixels = ReadBody(body, name, needed, isGzip, limit - 16, "pixels");
        return (pixels, count, rows, cols);
    }

    /// <summary>Reads an IDX label file (raw or gzip) from <paramref name="stream"/>; <paramref name="name"/> is used in errors.</summary>
    public static byte[] ReadLabels(Stream stream, string name = "<stream>")
    {
        var (body, isGzip, limit) = Open(stream);
        using var _ = isGzip ? body : null;
        var header = ReadHeader(body, name, 8, LabelsMagic, "labels (idx1)", "a *-labels-idx1-ubyte file");
        int count = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
        if (count < 0)
            throw new DataException($"{name} has an impossible IDX header ({count} labels): the file is corrupt, fetch it again");
        return ReadBody(body, name, count, isGzip, limit - 8, "labels");
    }

    static FileStream OpenFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"cannot open {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Detects gzip by its magic (1f 8b). Returns the stream to read the IDX bytes from and an upper bound on
    /// how many bytes it can hold (for raw data exact when the stream is seekable).
    /// </summary>
    static (Stream Body, bool IsGzip, long Limit) Open(Stream stream)
    {
        var head = new byte[2];
        int got = ReadFully(stream, head, 0, 2);
        long rest = stream.CanSeek ? stream.Length - stream.Position : long.MaxValue;
        Stream joined = new PrefixStream(head.AsMemory(0, got), stream);
        if (got == 2 && head[0] == 0x1f && head[1] == 0x8b)
        {
            long limit = rest == long.MaxValue ? long.MaxValue : (rest + 2) * MaxGzipRatio;
            return (new GZipStream(joined, CompressionMode.Decompress, leaveOpen: true), true, limit);
        }
        return (joined, false, rest == long.MaxValue ? long.MaxValue : rest + got);
    }

    static byte[] ReadHeader(Stream body, string name, int size, int magic, string kind, string hint)
    {
        var header = new byte[size];
        int got = ReadAndWrap(body, name, header, size);
        if (got >= 4)
        {
            int found = BinaryPrimitives.ReadInt32BigEndian(header);
            if (found != magic)
            {
                string what = found switch
                {
                    ImagesMagic => " (that is an IDX images file)",
                    LabelsMagic => " (that is an IDX labels file)",
                    _ => "",
                };
                throw new DataException($"{name} is not an IDX {kind} file: magic 0x{found:x8}{what}, expected 0x{magic:x8}; pass {hint}, raw or .gz");
            }
        }
        if (got < size)
            throw new DataException($"{name} is truncated: {got} bytes, shorter than the {size}-byte IDX header; fetch it again");
        return header;
    }

    static byte[] ReadBody(Stream body, string name, long needed, bool isGzip, long available, string what)
    {
        // Refuse before allocating: a raw file's size is exact; a gzip file bounds what it can expand to.
        if (!isGzip && needed > available)
            throw new DataException($"{name} is truncated: header says {needed} bytes of {what}, file has {available}; fetch it again");
        if (isGzip && needed > available)
            throw new DataException($"{name} is truncated: header says {needed} bytes of {what}, more than a gzip file of this size can hold; fetch it again");
        var data = new byte[needed];
        int got = ReadAndWrap(body, name, data, (int)needed);
        if (got < needed)
            throw new DataException($"{name} is truncated: header says {needed} bytes of {what}, file has {got}; fetch it again");
        return data;
    }

    static int ReadAndWrap(Stream body, string name, byte[] buffer, int count)
    {
        try
        {
            return ReadFully(body, buffer, 0, count);
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"{name} is not a valid gzip file ({e.Message}): fetch it again or pass the raw IDX file", e);
        }
    }

    static int ReadFully(Stream s, byte[] buffer, int offset, int count)
    {
        int total = 0;
        while (total < count)
        {
            int n = s.Read(buffer, offset + total, count - total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>Replays a few already-read bytes, then continues with the inner stream (which it does not own).</summary>
    sealed class PrefixStream(ReadOnlyMemory<byte> prefix, Stream inner) : Stream
    {
        ReadOnlyMemory<byte> _prefix = prefix;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.Length > 0)
            {
                int n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
                return n;
            }
            return inner.Read(buffer);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
