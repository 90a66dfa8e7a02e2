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
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
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
                        byte[] bytes = t.bytes.ToArray();
                        w.Write((long)bytes.Length);
                        w.Write(bytes);
                    }
                }
                fs.Write(sha.GetHashAndReset());
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Reads and verifies a checkpoint; any damage gives a <see cref="CheckpointException"/>.</summary>
    public static (JsonObject Header, Dictionary<string, Tensor> Tensors) Load(string path)
    {
        if (!File.Exists(path))
            throw new CheckpointException($"checkpoint '{path}' does not exist");
        byte[] all = File.ReadAllBytes(path);
        if (all.Length < Magic.Length + 36 || !all.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CheckpointException($"'{path}' is not a GanSharp checkpoint (bad magic or too short)");
        var body = all.AsSpan(0, all.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(all.AsSpan(all.Length - 32)))
            throw new CheckpointException($"checkpoint '{path}' is corrupt (checksum mismatch): use an earlier checkpoint from the same checkpoints/ folder");
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            using var r = new BinaryReader(new MemoryStream(all, 0, all.Length - 32, writable: false), Encoding.UTF8);
            r.ReadBytes(Magic.Length);
            int jsonLen = r.ReadInt32();
            var header = JsonNode.Parse(Encoding.UTF8.GetString(r.ReadBytes(jsonLen)))!.AsObject();
            int count = r.ReadInt32();
            for (int i = 0; i < count; i++)
            {
                string name = Encoding.UTF8.GetString(r.ReadBytes(r.ReadInt32()));
                var dtype = (ScalarType)r.ReadInt32();
                int rank = r.ReadInt32();
                var shape = new long[rank];
                for (int k = 0; k < rank; k++) shape[k] = r.ReadInt64();
                long n = r.ReadInt64();
                byte[] bytes = r.ReadBytes(checked((int)n));
                var t = empty(shape, dtype);
                if (t.NumberOfElements * t.ElementSize != n)
                {
                    t.Dispose();
                    foreach (var x in tensors.Values) x.Dispose();
                    throw new CheckpointException($"checkpoint '{path}': tensor '{name}' has {n} bytes for shape [{string.Join(",", shape)}]");
                }
                t.bytes = bytes;
                tensors[name] = t.DetachFromDisposeScope();
            }
            return (header, tensors);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or System.Text.Json.JsonException or FormatException
            or ArgumentException or OverflowException or InvalidOperationException or InvalidCastException
            or System.Runtime.InteropServices.ExternalException)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw new CheckpointException($"checkpoint '{path}' could not be read ({e.Message})");
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
