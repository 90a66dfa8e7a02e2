using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace GanSharp.IO;

/// <summary>CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), and the masked form TFRecord files store.</summary>
public static class Crc32C
{
    /// <summary>The CRC-32C of <paramref name="data"/> (initial value and final XOR 0xFFFFFFFF).</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8) crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        for (; i < data.Length; i++) crc = BitOperations.Crc32C(crc, data[i]);
        return ~crc;
    }

    /// <summary>TensorFlow's masked CRC: rotated right by 15 bits plus 0xA282EAD8 (a CRC of data that holds CRCs stays informative).</summary>
    public static uint Masked(ReadOnlySpan<byte> data)
    {
        uint c = Compute(data);
        return ((c >> 15) | (c << 17)) + 0xA282EAD8u;
    }
}

/// <summary>
/// TFRecord framing, the container of TensorBoard event files: per record a little-endian uint64 length, the masked
/// CRC-32C of those 8 bytes, the payload, and the masked CRC-32C of the payload.
/// </summary>
public static class TfRecord
{
    /// <summary>One framed record around <paramref name="payload"/>.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var record = new byte[8 + 4 + payload.Length + 4];
        BinaryPrimitives.WriteUInt64LittleEndian(record, (ulong)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), Crc32C.Masked(record.AsSpan(0, 8)));
        payload.CopyTo(record.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12 + payload.Length), Crc32C.Masked(payload));
        return record;
    }

    /// <summary>
    /// The payloads of a TFRecord file, every CRC checked; a bad length, CRC or a truncated record is an
    /// <see cref="InvalidDataException"/> naming the file and the byte offset.
    /// </summary>
    public static List<byte[]> ReadAll(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var records = new List<byte[]>();
        int pos = 0;
        while (pos < bytes.Length)
        {
            if (bytes.Length - pos < 12)
                throw new InvalidDataException($"'{path}': record at byte {pos} is truncated (a {bytes.Length - pos}-byte header)");
            var header = bytes.AsSpan(pos, 8);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 8)) != Crc32C.Masked(header))
                throw new InvalidDataException($"'{path}': record at byte {pos} has a bad length CRC");
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            if (length > (ulong)(bytes.Length - pos - 16))
                throw new InvalidDataException($"'{path}': record at byte {pos} claims {length} bytes, past the end of the file");
            var payload = bytes.AsSpan(pos + 12, (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 12 + (int)length)) != Crc32C.Masked(payload))
                throw new InvalidDataException($"'{path}': record at byte {pos} has a bad data CRC");
            records.Add(payload.ToArray());
            pos += 16 + (int)length;
        }
        return records;
    }
}

/// <summary>One image of a TensorBoard image summary: PNG bytes with their size and colour space (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA).</summary>
public sealed record TensorBoardImage(string Tag, int Height, int Width, int Colorspace, byte[] Png);

/// <summary>
/// A decoded tensorboard.Event (tensorboard/compat/proto/event.proto): wall time in seconds since the Unix epoch,
/// step, and one of file_version, a summary (simple scalars, images) or a session log status (1 START, 2 STOP,
/// 3 CHECKPOINT).
/// </summary>
public sealed class TensorBoardEvent
{
    public double WallTime { get; init; }
    public long Step { get; init; }
    public string? FileVersion { get; init; }
    public List<(string Tag, float Value)> Scalars { get; } = new();
    public List<TensorBoardImage> Images { get; } = new();
    public int? SessionStatus { get; init; }

    public const int SessionStart = 1;

    // Field numbers of event.proto / summary.proto.
    private const int EventWallTime = 1, EventStep = 2, EventFileVersion = 3, EventSummary = 5, EventSessionLog = 7;
    private const int SummaryValue = 1, ValueTag = 1, ValueSimple = 2, ValueImage = 4;
    private const int ImageHeight = 1, ImageWidth = 2, ImageColorspace = 3, ImageEncoded = 4;
    private const int WireVarint = 0, WireFixed64 = 1, WireBytes = 2, WireFixed32 = 5;

    /// <summary>
    /// The protobuf encoding, as a protobuf library writes it: fields in number order, a proto3 step of 0 left out,
    /// a oneof member (simple_value, image) written even when it is 0.
    /// </summary>
    public byte[] Encode()
    {
        var w = new ProtoWriter();
        w.Double(EventWallTime, WallTime);
        if (Step != 0) w.Varint(EventStep, (ulong)Step);
        if (FileVersion is not null) w.String(EventFileVersion, FileVersion);
        if (Scalars.Count > 0 || Images.Count > 0)
        {
            var summary = new ProtoWriter();
            foreach (var (tag, value) in Scalars)
            {
                var v = new ProtoWriter();
                v.String(ValueTag, tag);
                v.Float(ValueSimple, value);
                summary.Message(SummaryValue, v);
            }
            foreach (var img in Images)
            {
                var i = new ProtoWriter();
                if (img.Height != 0) i.Varint(ImageHeight, (ulong)img.Height);
                if (img.Width != 0) i.Varint(ImageWidth, (ulong)img.Width);
                if (img.Colorspace != 0) i.Varint(ImageColorspace, (ulong)img.Colorspace);
                i.Bytes(ImageEncoded, img.Png);
                var v = new ProtoWriter();
                v.String(ValueTag, img.Tag);
                v.Message(ValueImage, i);
                summary.Message(SummaryValue, v);
            }
            w.Message(EventSummary, summary);
        }
        if (SessionStatus is { } status)
        {
            var log = new ProtoWriter();
            if (status != 0) log.Varint(1, (ulong)status);
            w.Message(EventSessionLog, log);
        }
        return w.ToArray();
    }

    /// <summary>Decodes the fields this writer uses (unknown fields are skipped); malformed bytes are an <see cref="InvalidDataException"/>.</summary>
    public static TensorBoardEvent Decode(byte[] bytes)
    {
        double wall = 0;
        long step = 0;
        string? version = null;
        int? status = null;
        var scalars = new List<(string, float)>();
        var images = new List<TensorBoardImage>();
        var r = new ProtoReader(bytes);
        while (r.Next(out int field, out int wire))
        {
            switch (field, wire)
            {
                case (EventWallTime, WireFixed64): wall = r.Double(); break;
                case (EventStep, WireVarint): step = (long)r.Varint(); break;
                case (EventFileVersion, WireBytes): version = Encoding.UTF8.GetString(r.Bytes()); break;
                case (EventSummary, WireBytes): DecodeSummary(r.Bytes(), scalars, images); break;
                case (EventSessionLog, WireBytes):
                    status = 0;
                    var s = new ProtoReader(r.Bytes());
                    while (s.Next(out int f, out int wt))
                        if ((f, wt) == (1, WireVarint)) status = (int)s.Varint(); else s.Skip(wt);
                    break;
                default: r.Skip(wire); break;
            }
        }
        var e = new TensorBoardEvent { WallTime = wall, Step = step, FileVersion = version, SessionStatus = status };
        e.Scalars.AddRange(scalars);
        e.Images.AddRange(images);
        return e;
    }

    private static void DecodeSummary(byte[] bytes, List<(string, float)> scalars, List<TensorBoardImage> images)
    {
        var r = new ProtoReader(bytes);
        while (r.Next(out int field, out int wire))
        {
            if ((field, wire) != (SummaryValue, WireBytes)) { r.Skip(wire); continue; }
            var v = new ProtoReader(r.Bytes());
            string tag = "";
            float? simple = null;
            TensorBoardImage? image = null;
            while (v.Next(out int f, out int w))
            {
                switch (f, w)
                {
                    case (ValueTag, WireBytes): tag = Encoding.UTF8.GetString(v.Bytes()); break;
                    case (ValueSimple, WireFixed32): simple = v.Float(); break;
                    case (ValueImage, WireBytes):
                        int h = 0, wd = 0, cs = 0;
                        byte[] png = Array.Empty<byte>();
                        var ir = new ProtoReader(v.Bytes());
                        while (ir.Next(out int fi, out int wi))
                            switch (fi, wi)
                            {
                                case (ImageHeight, WireVarint): h = (int)ir.Varint(); break;
                                case (ImageWidth, WireVarint): wd = (int)ir.Varint(); break;
                                case (ImageColorspace, WireVarint): cs = (int)ir.Varint(); break;
                                case (ImageEncoded, WireBytes): png = ir.Bytes(); break;
                                default: ir.Skip(wi); break;
                            }
                        image = new TensorBoardImage("", h, wd, cs, png);
                        break;
                    default: v.Skip(w); break;
                }
            }
            if (simple is { } s) scalars.Add((tag, s));
            if (image is not null) images.Add(image with { Tag = tag });
        }
    }

    private sealed class ProtoWriter
    {
        private readonly MemoryStream _s = new();

        private void Raw(ulong v)
        {
            while (v >= 0x80) { _s.WriteByte((byte)(v | 0x80)); v >>= 7; }
            _s.WriteByte((byte)v);
        }

        private void Key(int field, int wire) => Raw((ulong)((field << 3) | wire));

        public void Varint(int field, ulong v) { Key(field, WireVarint); Raw(v); }

        public void Double(int field, double v)
        {
            Key(field, WireFixed64);
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteDoubleLittleEndian(b, v);
            _s.Write(b);
        }

        public void Float(int field, float v)
        {
            Key(field, WireFixed32);
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(b, v);
            _s.Write(b);
        }

        public void Bytes(int field, ReadOnlySpan<byte> v) { Key(field, WireBytes); Raw((ulong)v.Length); _s.Write(v); }
        public void String(int field, string v) => Bytes(field, Encoding.UTF8.GetBytes(v));
        public void Message(int field, ProtoWriter m) => Bytes(field, m.ToArray());
        public byte[] ToArray() => _s.ToArray();
    }

    private sealed class ProtoReader(byte[] bytes)
    {
        private int _pos;

        public bool Next(out int field, out int wire)
        {
            field = wire = 0;
            if (_pos >= bytes.Length) return false;
            ulong key = Varint();
            field = (int)(key >> 3);
            wire = (int)(key & 7);
            if (field == 0) throw new InvalidDataException($"protobuf field number 0 at byte {_pos}");
            return true;
        }

        public ulong Varint()
        {
            ulong v = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (_pos >= bytes.Length) throw new InvalidDataException("protobuf varint runs past the end");
                byte b = bytes[_pos++];
                v |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return v;
            }
            throw new InvalidDataException("protobuf varint longer than 10 bytes");
        }

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || n > bytes.Length - _pos) throw new InvalidDataException($"protobuf field of {n} bytes runs past the end");
            var s = bytes.AsSpan(_pos, n);
            _pos += n;
            return s;
        }

        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));
        public float Float() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

        public byte[] Bytes()
        {
            ulong n = Varint();
            if (n > int.MaxValue) throw new InvalidDataException("protobuf length too large");
            return Take((int)n).ToArray();
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case WireVarint: Varint(); break;
                case WireFixed64: Take(8); break;
                case WireBytes: Bytes(); break;
                case WireFixed32: Take(4); break;
                default: throw new InvalidDataException($"protobuf wire type {wire} is not supported");
            }
        }
    }
}

/// <summary>
/// Appends TensorBoard events to one file <c>events.out.tfevents.SECONDS.HOST.PID.gansharp</c> in a directory, each
/// record flushed as written so that TensorBoard (and a reader) sees it at once. The first record is the
/// <c>brain.Event:2</c> file version.
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    public const string FileVersion = "brain.Event:2";

    private readonly FileStream _file;
    private readonly Func<double> _clock;

    /// <param name="directory">Where the event file goes (created if missing).</param>
    /// <param name="clock">Wall time in seconds since the Unix epoch (tests pass a fixed one).</param>
    public TensorBoardWriter(string directory, Func<double>? clock = null)
    {
        _clock = clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
        Directory.CreateDirectory(directory);
        long seconds = (long)Math.Floor(_clock());
        string host = string.Concat(Environment.MachineName.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
        string baseName = $"events.out.tfevents.{seconds:D10}.{host}.{Environment.ProcessId}";
        // A second writer in the same second and process (a resume in a test) gets its own file.
        string path = Path.Combine(directory, baseName + ".gansharp");
        for (int i = 1; File.Exists(path); i++) path = Path.Combine(directory, $"{baseName}.{i}.gansharp");
        FilePath = path;
        try
        {
            _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create the TensorBoard event file {path} ({e.Message})", e);
        }
        Write(new TensorBoardEvent { WallTime = _clock(), FileVersion = FileVersion });
    }

    /// <summary>The event file.</summary>
    public string FilePath { get; }

    /// <summary>Appends one event (its wall time as given).</summary>
    public void Write(TensorBoardEvent e)
    {
        var record = TfRecord.Frame(e.Encode());
        _file.Write(record);
        _file.Flush();
    }

    /// <summary>Scalars at <paramref name="step"/> in one event.</summary>
    public void Scalars(long step, IEnumerable<(string Tag, float Value)> values)
    {
        var e = new TensorBoardEvent { WallTime = _clock(), Step = step };
        e.Scalars.AddRange(values);
        if (e.Scalars.Count > 0) Write(e);
    }

    /// <summary>A PNG image at <paramref name="step"/>; its size and colour space are read from the PNG header.</summary>
    public void Image(long step, string tag, byte[] png)
    {
        var (w, h, cs) = PngHeader(png);
        var e = new TensorBoardEvent { WallTime = _clock(), Step = step };
        e.Images.Add(new TensorBoardImage(tag, h, w, cs, png));
        Write(e);
    }

    /// <summary>
    /// A SessionLog START at <paramref name="step"/>: TensorBoard drops events of earlier files at this step and
    /// later (the steps a resumed run trains again).
    /// </summary>
    public void SessionStart(long step) => Write(new TensorBoardEvent { WallTime = _clock(), Step = step, SessionStatus = TensorBoardEvent.SessionStart });

    /// <summary>Width, height and TensorBoard colour space of a PNG (from its IHDR chunk).</summary>
    public static (int Width, int Height, int Colorspace) PngHeader(byte[] png)
    {
        ReadOnlySpan<byte> signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        if (png.Length < 26 || !png.AsSpan(0, 8).SequenceEqual(signature) || !png.AsSpan(12, 4).SequenceEqual("IHDR"u8))
            throw new InvalidDataException("not a PNG file (no PNG signature and IHDR chunk)");
        int width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
        int height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        int colorspace = png[25] switch { 0 => 1, 4 => 2, 2 or 3 => 3, 6 => 4, _ => 0 };
        return (width, height, colorspace);
    }

    public void Dispose() => _file.Dispose();
}
