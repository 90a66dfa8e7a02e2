using System.Diagnostics;
using StbImageSharp;

namespace GanSharp.Families.ImageToImage;

/// <summary>What <see cref="PhotoSources.Fetch"/> found.</summary>
/// <param name="Available">False when apt-get or dpkg is absent (then <paramref name="Reason"/> says so and nothing ran).</param>
/// <param name="Reason">Why nothing was fetched, when not available.</param>
/// <param name="Photos">JPEG/PNG photos of at least the minimum side, one file per wallpaper, in ordinal path order.</param>
/// <param name="Failed">Packages that could not be downloaded or unpacked, with the tool's last message.</param>
public sealed record PhotoFetchResult(bool Available, string? Reason, IReadOnlyList<string> Photos, IReadOnlyDictionary<string, string> Failed);

/// <summary>Runs a program and returns its exit code and its output (stdout then stderr).</summary>
public delegate (int ExitCode, string Output) CommandRunner(string program, IReadOnlyList<string> arguments, string workingDirectory);

/// <summary>
/// Large photos for super-resolution from Debian's wallpaper packages, fetched without installing anything:
/// <c>apt-get download</c> into a cache folder, then <c>dpkg -x</c> into the cache. Where apt is absent it
/// reports that and runs nothing. Packages already unpacked are not fetched again.
/// </summary>
public static class PhotoSources
{
    /// <summary>The wallpaper packages with photos (the issue's list); mate-backgrounds contributes only its nature folder.</summary>
    public static readonly IReadOnlyList<string> DefaultPackages =
        ["mate-backgrounds", "plasma-workspace-wallpapers", "gnome-backgrounds", "sway-backgrounds", "lomiri-wallpapers", "ukui-wallpapers"];

    /// <summary>Per-package subfolder that holds its photos (others: the whole package).</summary>
    static readonly Dictionary<string, string> PhotoFolders = new() { ["mate-backgrounds"] = "usr/share/backgrounds/mate/nature" };

    static readonly string[] Extensions = [".jpg", ".jpeg", ".png"];

    /// <summary>
    /// Downloads and unpacks <paramref name="packages"/> (default <see cref="DefaultPackages"/>) under
    /// <paramref name="cacheDir"/> (debs/ and root/&lt;package&gt;/) and lists the photos with both sides ≥
    /// <paramref name="minSide"/>. A package apt cannot find is reported in <see cref="PhotoFetchResult.Failed"/>
    /// (run <c>apt-get update</c> if none is found); the others still count.
    /// </summary>
    public static PhotoFetchResult Fetch(string cacheDir, IEnumerable<string>? packages = null, int minSide = 512,
        Action<string>? log = null, CommandRunner? run = null, Func<string, string?>? findProgram = null)
    {
        findProgram ??= FindOnPath;
        run ??= RunProcess;
        string? apt = findProgram("apt-get"), dpkg = findProgram("dpkg");
        if (apt is null || dpkg is null)
            return new PhotoFetchResult(false, $"{(apt is null ? "apt-get" : "dpkg")} is not on this system: photos come from Debian packages; pass your own folder of photos instead",
                [], new Dictionary<string, string>());

        string debs = Path.Combine(cacheDir, "debs"), root = Path.Combine(cacheDir, "root");
        Directory.CreateDirectory(debs);
        var failed = new Dictionary<string, string>();
        var photos = new List<string>();
        foreach (var package in packages ?? DefaultPackages)
        {
            string target = Path.Combine(root, package), done = Path.Combine(target, ".unpacked");
            if (!File.Exists(done))
            {
                log?.Invoke($"downloading {package}");
                var (code, output) = run(apt, ["download", package], debs);
                var deb = Directory.EnumerateFiles(debs, package + "_*.deb").Order(StringComparer.Ordinal).LastOrDefault();
                if (code != 0 || deb is null)
                {
                    failed[package] = LastLine(output, $"apt-get download exited with {code}");
                    log?.Invoke($"cannot download {package}: {failed[package]}");
                    continue;
                }
                Directory.CreateDirectory(target);
                (code, output) = run(dpkg, ["-x", deb, target], debs);
                if (code != 0)
                {
                    failed[package] = LastLine(output, $"dpkg -x exited with {code}");
                    log?.Invoke($"cannot unpack {deb}: {failed[package]}");
                    continue;
                }
                File.WriteAllText(done, deb);
            }
            var folder = PhotoFolders.TryGetValue(package, out var sub) ? Path.Combine(target, sub) : target;
            photos.AddRange(ListPhotos(folder, minSide));
        }
        return new PhotoFetchResult(true, null, photos.Order(StringComparer.Ordinal).ToList(), failed);
    }

    /// <summary>
    /// JPEG/PNG files under <paramref name="dir"/> whose sides are both ≥ <paramref name="minSide"/>. KDE-style
    /// wallpapers ship one picture at several sizes in a <c>contents/images</c> folder: only the largest is kept, so
    /// one photo never lands in both train and test.
    /// </summary>
    public static List<string> ListPhotos(string dir, int minSide = 512)
    {
        if (!Directory.Exists(dir)) return [];
        var sized = new List<(string File, int W, int H)>();
        foreach (var f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            if (!Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())) continue;
            try
            {
                using var s = File.OpenRead(f);
                if (ImageInfo.FromStream(s) is { } i && i.Width >= minSide && i.Height >= minSide) sized.Add((f, i.Width, i.Height));
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException) { }
        }
        return sized
            .GroupBy(x => IsSizeVariantFolder(x.File) ? Path.GetDirectoryName(x.File)! : x.File)
            .Select(g => g.OrderByDescending(x => (long)x.W * x.H).ThenBy(x => x.File, StringComparer.Ordinal).First().File)
            .Order(StringComparer.Ordinal).ToList();
    }

    static bool IsSizeVariantFolder(string file)
    {
        var dir = Path.GetDirectoryName(file) ?? "";
        return dir.Replace('\\', '/').EndsWith("contents/images", StringComparison.Ordinal)
            || dir.Replace('\\', '/').EndsWith("contents/images_dark", StringComparison.Ordinal);
    }

    static string LastLine(string output, string fallback) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? fallback;

    /// <summary>The full path of <paramref name="program"/> on PATH, or null.</summary>
    public static string? FindOnPath(string program)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var p = Path.Combine(dir, program);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    static (int, string) RunProcess(string program, IReadOnlyList<string> arguments, string workingDirectory)
    {
        var psi = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {program}");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }
}
