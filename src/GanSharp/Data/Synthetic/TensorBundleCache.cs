using System.Security.Cryptography;
using System.Text;
using static TorchSharp.torch;

namespace GanSharp.Data.Synthetic;

/// <summary>
/// A disk cache for generated data: a set of named tensors stored in one file under the dataset's cache directory,
/// named by a key that spells every input of the generator (seed, sizes, renderer version, fonts). The file ends
/// with the SHA-256 of everything before it; a file that fails the check or names another key is deleted and the
/// data made again. Writes go to a temp file renamed into place, so a reader never sees a partial file.
/// </summary>
public static class TensorBundleCache
{
    private static readonly byte[] Magic = "GSTB1\n"u8.ToArray();

    /// <summary>The cached tensors for <paramref name="key"/>, or the result of <paramref name="make"/> stored for next time.</summary>
    public static Dictionary<string, Tensor> GetOrMake(DatasetCache cache, string key, Func<Dictionary<string, Tensor>> make, Action<string>? log)
    {
        string file = cache.PathOf(FileName(key));
        if (File.Exists(file))
        {
            var found = TryRead(file, key, out var problem);
            if (found is not null) return found;
            log?.Invoke($"{file}: {problem}; deleted it and making the data again");
            File.Delete(file);
        }
        var made = make();
        Write(file, key, made);
        return made;
    }

    /// <summary>The file name for a key: a readable prefix and a hash of the whole key.</summary>
    public static string FileName(string key)
    {
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        return $"bundle-{hash}.bin";
    }

    public static void Write(string path, string key, IReadOnlyDictionary<string, Tensor> tensors)
    {
        GanSharp.IO.AtomicFile.Write(path, file =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            void Put(ReadOnlySpan<byte> bytes) { hash.AppendData(bytes); file.Write(bytes); }
            void PutLong(long v) { Span<byte> b = stackalloc byte[8]; BitConverter.TryWriteBytes(b, v); Put(b); }
            void PutString(string s) { var b = Encoding.UTF8.GetBytes(s); PutLong(b.Length); Put(b); }
            Put(Magic);
            PutString(key);
            PutLong(tensors.Count);
            foreach (var (name, t) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                using var c = t.contiguous();
                PutString(name);
                PutLong((long)c.dtype);
                PutLong(c.dim());
                foreach (var d in c.shape) PutLong(d);
                ReadOnlySpan<byte> data = c.bytes;
                PutLong(data.Length);
                Put(data);
            }
            file.Write(hash.GetHashAndReset());
        });
    }

    /// <summary>The tensors in <paramref name="path"/>, or null with the reason when it is damaged or holds another key.</summary>
    public static Dictionary<string, Tensor>? TryRead(string path, string key, out string? problem)
    {
        problem = null;
        byte[] all = File.ReadAllBytes(path);
        if (all.Length < Magic.Length + 32 || !all.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            problem = "not a GanSharp tensor bundle";
            return null;
        }
        var body = all.AsSpan(0, all.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(all.AsSpan(all.Length - 32)))
        {
            problem = "checksum mismatch (truncated or damaged)";
            return null;
        }
        int at = Magic.Length;
        long Long() { long v = BitConverter.ToInt64(all, at); at += 8; return v; }
        string Str() { int n = checked((int)Long()); string s = Encoding.UTF8.GetString(all, at, n); at += n; return s; }
        if (Str() != key)
        {
            problem = "made for other settings";
            return null;
        }
        var result = new Dictionary<string, Tensor>();
        long count = Long();
        for (long i = 0; i < count; i++)
        {
            string name = Str();
            var dtype = (ScalarType)Long();
            var shape = new long[Long()];
            for (int d = 0; d < shape.Length; d++) shape[d] = Long();
            int n = checked((int)Long());
            var t = empty(shape, dtype);
            all.AsSpan(at, n).CopyTo(t.bytes);
            at += n;
            result[name] = t;
        }
        return result;
    }
}
