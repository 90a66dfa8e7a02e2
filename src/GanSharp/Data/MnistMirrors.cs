using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http;

namespace GanSharp.Data;

// Source: the public HTTP mirrors (gzip-compressed IDX files).
public static partial class Mnist
{
    static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(20);
    static readonly TimeSpan FileTimeout = TimeSpan.FromSeconds(300);

    static readonly Lazy<HttpClient> Http = new(() => new HttpClient(new SocketsHttpHandler
    {
        ConnectTimeout = ConnectTimeout,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    })
    { Timeout = Timeout.InfiniteTimeSpan });

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
}
