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
    /// JPEG/PNG files under <paramref name="dir"/> whose sides are both ≥ <paramref name="minSide"/>, one per
    /// picture: wallpaper packages ship one picture at several sizes, and only the largest is kept, so one picture
    /// never lands in both train and test. Size variants are recognised two ways: KDE-style folders
    /// (<c>NAME/contents/images</c> and its darkened <c>images_dark</c> are one picture), and file names that
    /// differ only in a <c>_WIDTHxHEIGHT</c> (or <c>_WIDTHxHEIGHT_Portrait</c>) suffix (sway's wallpapers).
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
            .GroupBy(x => PictureKey(x.File))
            .Select(g => g.OrderByDescending(x => (long)x.W * x.H).ThenBy(x => x.File, StringComparer.Ordinal).First().File)
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The picture a file shows: its KDE wallpaper folder, or its path without a size suffix.</summary>
    public static string PictureKey(string file)
    {
        var dir = (Path.GetDirectoryName(file) ?? "").Replace('\\', '/');
        foreach (var variants in new[] { "/contents/images", "/contents/images_dark" })
            if (dir.EndsWith(variants, StringComparison.Ordinal)) return dir[..^(variants.Length - "/contents".Length)];
        return Path.Combine(dir, SizeSuffix.Replace(Path.GetFileNameWithoutExtension(file), ""));
    }

    static readonly System.Text.RegularExpressions.Regex SizeSuffix = new(@"_\d+x\d+(_Portrait)?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);

    /// <summary>
    /// Gathers <paramref name="photos"/> (files under <paramref name="unpackedRoot"/>) into <paramref name="folder"/>
    /// as symbolic links (copies where links cannot be made), each named by its path below the root with '/' as
    /// "__" (so "mate-backgrounds__usr__share__...__Aqua.jpg"): one flat folder to pass as --data. Links of
    /// photos no longer listed are removed. Returns the folder.
    /// </summary>
    public static string Gather(IReadOnlyList<string> photos, string folder, string unpackedRoot)
    {
        Directory.CreateDirectory(folder);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var photo in photos)
        {
            string name = Path.GetRelativePath(unpackedRoot, photo).Replace('\\', '/').Replace("/", "__");
            names.Add(name);
            string link = Path.Combine(folder, name);
            if (File.Exists(link)) continue;
            try { File.CreateSymbolicLink(link, Path.GetFullPath(photo)); }
            catch (IOException) { File.Copy(photo, link); }
            catch (UnauthorizedAccessException) { File.Copy(photo, link); }
        }
        foreach (var stale in Directory.EnumerateFiles(folder).Where(f => !names.Contains(Path.GetFileName(f))).ToList())
            File.Delete(stale);
        return folder;
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
