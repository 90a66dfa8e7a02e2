using System.Security.Cryptography;

namespace GanSharp.Data;

/// <summary>
/// A per-dataset directory of decompressed files, each verified by SHA-256. Writes go to a temp file in the
/// same directory and are renamed into place only once the checksum matches, so a reader never sees a
/// partial or wrong file.
/// </summary>
public sealed class DatasetCache
{
    public DatasetCache(string root, string dataset)
    {
        Root = root;
        Dir = Path.Combine(root, dataset);
    }

    public string Root { get; }
    public string Dir { get; }

    /// <summary>$GANSHARP_CACHE, else $XDG_CACHE_HOME/gansharp, else ~/.cache/gansharp.</summary>
    public static string DefaultRoot()
    {
        var own = Environment.GetEnvironmentVariable("GANSHARP_CACHE");
        if (!string.IsNullOrWhiteSpace(own)) return own;
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg)) return Path.Combine(xdg, "gansharp");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".cache", "gansharp");
    }

    public string PathOf(string fileName) => Path.Combine(Dir, fileName);

    /// <summary>
    /// True when <paramref name="fileName"/> is cached with the expected checksum. A cached file with a
    /// different checksum is deleted and <paramref name="problem"/> says so.
    /// </summary>
    public bool TryGet(string fileName, string sha256, out string path, out string? problem)
    {
        path = PathOf(fileName);
        problem = null;
        if (!File.Exists(path)) return false;
        string actual;
        using (var f = File.OpenRead(path))
            actual = Convert.ToHexStringLower(SHA256.HashData(f));
        if (actual == sha256) return true;
        File.Delete(path);
        problem = $"cached {path} had SHA-256 {actual}, expected {sha256} (corrupt or a different file): deleted it";
        return false;
    }

    /// <summary>
    /// Writes <paramref name="fileName"/> from what <paramref name="write"/> produces, verifying its SHA-256 before
    /// renaming it into place. On a mismatch nothing is stored and a <see cref="DataException"/> names the source.
    /// </summary>
    public string Store(string fileName, string sha256, string source, Action<Stream> write)
    {
        Directory.CreateDirectory(Dir);
        string final = PathOf(fileName);
        GanSharp.IO.AtomicFile.Write(final, file =>
        {
            using var tee = new TeeHashStream(file);
            write(tee);
            tee.Flush();
            string actual = tee.HashHex();
            if (actual != sha256) // thrown before the rename: nothing is stored
                throw new DataException($"{fileName} from {source} has SHA-256 {actual}, expected {sha256}: the source serves a different or damaged file; discarded it");
        });
        return final;
    }

    /// <summary>Writes to a file while hashing what passes through.</summary>
    sealed class TeeHashStream(Stream inner) : Stream
    {
        readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public string HashHex() => Convert.ToHexStringLower(_hash.GetHashAndReset());

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            inner.Write(buffer);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash.Dispose();
            base.Dispose(disposing);
        }
    }
}
