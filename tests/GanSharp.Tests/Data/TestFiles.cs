using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace GanSharp.Tests.Data;

/// <summary>A temp directory removed after the test.</summary>
sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gansharp-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>Tiny IDX files made in memory.</summary>
static class IdxFiles
{
    public static byte[] Images(byte[] pixels, int count, int rows, int cols)
    {
        var bytes = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), 0x803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        pixels.CopyTo(bytes, 16);
        return bytes;
    }

    public static byte[] Labels(byte[] labels)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), 0x801);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(raw);
        return ms.ToArray();
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>3 images of 28×28 (pixel = (i*7 + p) mod 256) with labels 3, 1, 4.</summary>
    public static (byte[] Images, byte[] Labels) TinyMnist()
    {
        const int n = 3;
        var pixels = new byte[n * 28 * 28];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)((i / 784 * 7 + i) % 256);
        return (Images(pixels, n, 28, 28), Labels([3, 1, 4]));
    }
}
