using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>A checkpoint or weights file that cannot be read; the message names the file and what to do.</summary>
public sealed class CheckpointException(string message) : Exception(message);

/// <summary>
/// One self-contained file: a JSON header (what the checkpoint is: family, options, step, …) and named tensors,
/// closed by a SHA-256 of everything before it. Written atomically (temp file, flush, rename).
/// Layout: "GSCKPT01" | int32 json length | json | int32 tensor count | per tensor: int32 name length, name,
/// int32 dtype, int32 rank, int64 dims…, int64 byte count, bytes | 32-byte SHA-256.
/// </summary>
public static class CheckpointFile
{
    private static readonly byte[] Magic = "GSCKPT01"u8.ToArray();

    public static void Save(string path, JsonObject header, IEnumerable<(string Name, Tensor Value)> tensors)
    {
        GanSharp.IO.AtomicFile.Write(path, fs =>
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using (var w = new BinaryWriter(new HashingStream(fs, sha), Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Magic);
                byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
                w.Write(json.Length);
                w.Write(json);
                var list = tensors.ToList();
                w.Write(list.Count);
                foreach (var (name, value) in list)
                {
                    byte[] nb = Encoding.UTF8.GetBytes(name);
                    w.Write(nb.Length);
                    w.Write(nb);
                    using var t = value.detach().cpu().contiguous();
                    w.Write((int)t.dtype);
                    w.Write((int)t.dim());
                    foreach (long d in t.shape) w.Write(d);
                    byte[] bytes = t.bytes.ToArray(); // cpu: written from .cpu() above / read into a new CPU tensor
                    w.Write((long)bytes.Length);
                    w.Write(bytes);
                }
            }
            fs.Write(sha.GetHashAndReset());
        });
    }

    /// <summary>Largest tensor rank accepted when reading (the writer's tensors have rank 0 to 5).</summary>
    public const int MaxRank = 16;

    // Element sizes of the dtypes a checkpoint may hold; anything else is refused before allocating.
    private static readonly Dictionary<ScalarType, int> ElementSizes = new()
    {
        [ScalarType.Byte] = 1, [ScalarType.Int8] = 1, [ScalarType.Bool] = 1,
        [ScalarType.Int16] = 2, [ScalarType.Float16] = 2, [ScalarType.BFloat16] = 2,
        [ScalarType.Int32] = 4, [ScalarType.Float32] = 4,
        [ScalarType.Int64] = 8, [ScalarType.Float64] = 8, [ScalarType.ComplexFloat32] = 8,
        [ScalarType.ComplexFloat64] = 16,
    };

    /// <summary>
    /// Reads and verifies a checkpoint; any damage gives a <see cref="CheckpointException"/>. Every length and shape
    /// in the file is checked against the bytes that are actually there before anything is allocated, so a hostile
    /// header (a tensor claiming 100 GB, a negative count) fails in one line instead of exhausting memory.
    /// </summary>
    public static (JsonObject Header, Dictionary<string, Tensor> Tensors) Load(string path)
    {
        if (!File.Exists(path))
            throw new CheckpointException($"checkpoint '{path}' does not exist");
        byte[] all;
        try
        {
            all = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OutOfMemoryException)
        {
            throw new CheckpointException($"checkpoint '{path}' cannot be read ({e.Message})");
        }
        if (all.Length < Magic.Length + 36 || !all.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CheckpointException($"'{path}' is not a GanSharp checkpoint (bad magic or too short)");
        var body = all.AsSpan(0, all.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(all.AsSpan(all.Length - 32)))
            throw new CheckpointException($"checkpoint '{path}' is corrupt (checksum mismatch): use an earlier checkpoint from the same checkpoints/ folder");
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            using var r = new BinaryReader(new MemoryStream(all, 0, all.Length - 32, writable: false), Encoding.UTF8);
            long Left() => r.BaseStream.Length - r.BaseStream.Position;
            CheckpointException Bad(string what) => new($"checkpoint '{path}' is malformed: {what}; it was not written by this version of GanSharp, or was damaged before its checksum was made");
            int Length(string what, long unit = 1)
            {
                int v = r.ReadInt32();
                if (v < 0 || v * unit > Left()) throw Bad($"{what} {v} does not fit in the {Left()} bytes left");
                return v;
            }

            r.ReadBytes(Magic.Length);
            int jsonLen = Length("header length");
            var header = JsonNode.Parse(Encoding.UTF8.GetString(r.ReadBytes(jsonLen))) as JsonObject
                ?? throw Bad("the header is not a JSON object");
            int count = Length("tensor count", 4 + 4 + 4 + 8); // each entry has at least a name length, dtype, rank and byte count
            for (int i = 0; i < count; i++)
            {
                string name = Encoding.UTF8.GetString(r.ReadBytes(Length($"name length of tensor {i}")));
                if (name.Any(char.IsControl))
                    throw Bad($"tensor {i} has a name with control characters ('{string.Concat(name.Take(40).Select(c => char.IsControl(c) ? '?' : c))}')");
                int rawType = r.ReadInt32();
                if (!ElementSizes.TryGetValue((ScalarType)rawType, out int elementSize))
                    throw Bad($"tensor '{name}' has unknown dtype {rawType}");
                int rank = r.ReadInt32();
                if (rank < 0 || rank > MaxRank || rank * 8L > Left())
                    throw Bad($"tensor '{name}' has rank {rank} (0 to {MaxRank} accepted)");
                var shape = new long[rank];
                long elements = 1;
                for (int k = 0; k < rank; k++)
                {
                    shape[k] = r.ReadInt64();
                    if (shape[k] < 0) throw Bad($"tensor '{name}' has a negative dimension {shape[k]}");
                    // Saturate instead of overflowing: anything above the file size is refused below anyway.
                    elements = shape[k] == 0 || elements == 0 ? 0 : elements > long.MaxValue / shape[k] ? long.MaxValue : elements * shape[k];
                }
                long n = r.ReadInt64();
                long expected = elements > long.MaxValue / elementSize ? long.MaxValue : elements * elementSize;
                if (n != expected)
                    throw new CheckpointException($"checkpoint '{path}': tensor '{name}' has {n} bytes for shape [{string.Join(",", shape)}]");
                if (n > Left())
                    throw Bad($"tensor '{name}' of shape [{string.Join(",", shape)}] needs {n} bytes, only {Left()} are left");
                if (tensors.ContainsKey(name))
                    throw Bad($"tensor '{name}' appears twice");
                byte[] bytes = r.ReadBytes((int)n);
                var t = empty(shape, (ScalarType)rawType); // cpu: read from the file, then copied into tensors on their device
                t.bytes = bytes; // cpu: written from .cpu() above / read into a new CPU tensor
                tensors[name] = t.DetachFromDisposeScope();
            }
            if (Left() != 0)
                throw Bad($"{Left()} unexpected bytes after the last tensor");
            return (header, tensors);
        }
        catch (Exception e) when (e is CheckpointException or EndOfStreamException or IOException or System.Text.Json.JsonException
            or FormatException or ArgumentException or OverflowException or InvalidOperationException or InvalidCastException
            or System.Runtime.InteropServices.ExternalException)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw e as CheckpointException ?? new CheckpointException($"checkpoint '{path}' could not be read ({e.Message})");
        }
    }

    /// <summary>Passes writes through while feeding them to a hash.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            hash.AppendData(buffer, offset, count);
            inner.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            inner.Write(buffer);
        }
    }
}
