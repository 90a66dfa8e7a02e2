using System.IO.Compression;

namespace GanSharp.Data;

// Source: the files Debian's dataset-fashion-mnist package installs (Fashion-MNIST only).
public static partial class Mnist
{
    /// <summary>Copies files from a local directory (e.g. what a Debian package installed), raw or .gz.</summary>
    static void FromDirectory(string dir, string what, DatasetCache cache, IReadOnlyDictionary<string, string> sha,
        List<string> missing, Action<string>? log, List<string> tried)
    {
        if (!Directory.Exists(dir))
        {
            tried.Add($"{what}: {dir} not present");
            return;
        }
        foreach (var f in missing.ToList())
        {
            var raw = Path.Combine(dir, f);
            var gz = raw + ".gz";
            var source = File.Exists(gz) ? gz : File.Exists(raw) ? raw : null;
            if (source is null)
            {
                tried.Add($"{what}: no {f}[.gz] in {dir}");
                continue;
            }
            log?.Invoke($"copying {source} into the cache");
            try
            {
                cache.Store(f, sha[f], source, w =>
                {
                    using Stream input = source == gz
                        ? new GZipStream(File.OpenRead(source), CompressionMode.Decompress)
                        : File.OpenRead(source);
                    input.CopyTo(w);
                });
                missing.Remove(f);
            }
            catch (Exception e) when (e is DataException or IOException or InvalidDataException or UnauthorizedAccessException)
            {
                tried.Add($"{what}: {e.Message}");
            }
        }
    }
}
