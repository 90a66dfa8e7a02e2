using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using GanSharp.Cli.Serve;
using GanSharp.Imaging;
using Xunit;

namespace GanSharp.Tests.Serve;

/// <summary>
/// The dashboard's HTTP side: run list and details, the server-sent event stream, path traversal, read-only and
/// localhost-only answers. The runs are made by hand (options.json, metrics.jsonl, grids, checkpoints), so the
/// expected values are known; the browser test (tests/GanSharp.BrowserTests) drives a real training run.
/// </summary>
public sealed class DashboardTests : IAsyncLifetime
{
    private readonly TestUtil.TempDir _tmp = new();
    private string _root = "";
    private string _runA = "";
    private Dashboard _dash = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    private static string Line(int step, double lossD) =>
        $"{{\"step\":{step},\"loss_d\":{lossD.ToString(System.Globalization.CultureInfo.InvariantCulture)},\"loss_g\":0.75,\"d_real\":0.5,\"d_fake\":0.25,\"seconds\":0.1}}\n";

    private static void MakeRun(string dir, int steps, params int[] logged)
    {
        Directory.CreateDirectory(Path.Combine(dir, "samples"));
        Directory.CreateDirectory(Path.Combine(dir, "checkpoints"));
        File.WriteAllText(Path.Combine(dir, "options.json"),
            $"{{\"options\":{{\"model\":\"mlp\",\"data\":\"ring\",\"steps\":{steps},\"batch\":32}},\"threads\":1}}");
        File.WriteAllText(Path.Combine(dir, "metrics.jsonl"), string.Concat(logged.Select(s => Line(s, 1.0 + s / 100.0))));
    }

    private static void WriteGrid(string run, int step)
    {
        var pixels = new byte[4 * 6 * 3];
        new Random(step).NextBytes(pixels);
        ImageFile.SavePng(Path.Combine(run, "samples", $"step-{step:D6}.png"), pixels, 4, 6, 3);
    }

    public async Task InitializeAsync()
    {
        _root = Path.Combine(_tmp.Path, "runs");
        _runA = Path.Combine(_root, "a");
        MakeRun(_runA, 20, 10, 20);
        WriteGrid(_runA, 10);
        WriteGrid(_runA, 20);
        File.WriteAllBytes(Path.Combine(_runA, "checkpoints", "step-000010.ckpt"), new byte[100]);
        File.WriteAllBytes(Path.Combine(_runA, "checkpoints", "step-000020.ckpt"), new byte[200]);
        File.WriteAllText(Path.Combine(_runA, "checkpoints", "latest"), "step-000020.ckpt");
        MakeRun(Path.Combine(_root, "sweep", "b"), 100, 10);                  // a sweep's run, one level down
        Directory.CreateDirectory(Path.Combine(_root, "notes"));              // not a run
        File.WriteAllText(Path.Combine(_root, "notes", "todo.txt"), "not served");
        File.WriteAllText(Path.Combine(_tmp.Path, "secret.txt"), "TOP-SECRET");
        MakeRun(Path.Combine(_tmp.Path, "outside"), 5, 5);
        Directory.CreateSymbolicLink(Path.Combine(_root, "linked"), Path.Combine(_tmp.Path, "outside"));
        _dash = await Dashboard.StartAsync(_root, poll: TimeSpan.FromMilliseconds(40));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _dash.DisposeAsync();
        _tmp.Dispose();
    }

    private Uri U(string pathAndQuery) => new(_dash.Address, pathAndQuery);

    private async Task<JsonObject> GetJson(string pathAndQuery)
    {
        using var r = await _http.GetAsync(U(pathAndQuery));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.StartsWith("application/json", r.Content.Headers.ContentType!.ToString());
        return JsonNode.Parse(await r.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public async Task ItListsRunsAndSweepRunsWithTheirLastStepAndLosses()
    {
        Assert.Equal("127.0.0.1", _dash.Address.Host);                     // this machine only, by default
        var doc = await GetJson("/api/runs");
        var runs = doc["runs"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(new[] { "a", "sweep/b" }, runs.Select(r => r["id"]!.GetValue<string>()));   // not notes/, not the symlink
        var a = runs[0];
        Assert.Equal((20, 20, 1.2, "done", "mlp"), (a["step"]!.GetValue<int>(), a["steps"]!.GetValue<int>(),
            a["loss_d"]!.GetValue<double>(), a["state"]!.GetValue<string>(), a["model"]!.GetValue<string>()));
        Assert.Equal("stopped", runs[1]["state"]!.GetValue<string>());      // 10 of 100, no writer lock
    }

    [Fact]
    public async Task ARunsDetailHasOptionsEveryLineGridsCheckpointsAndTheStreamOffset()
    {
        var doc = await GetJson("/api/run?id=a");
        Assert.Equal(20, doc["options"]!["steps"]!.GetValue<int>());
        Assert.Equal(new[] { 10, 20 }, doc["metrics"]!.AsArray().Select(l => l!["step"]!.GetValue<int>()));
        Assert.Equal(new FileInfo(Path.Combine(_runA, "metrics.jsonl")).Length, doc["offset"]!.GetValue<long>());
        Assert.Equal(new[] { 10, 20 }, doc["samples"]!.AsArray().Select(s => s!.GetValue<int>()));
        var ckpts = doc["checkpoints"]!.AsArray().Select(c => c!.AsObject()).ToList();
        Assert.Equal(new[] { ("step-000010.ckpt", 100L, false), ("step-000020.ckpt", 200L, true) },
            ckpts.Select(c => (c["name"]!.GetValue<string>(), c["bytes"]!.GetValue<long>(), c["latest"]!.GetValue<bool>())));

        var png = await _http.GetByteArrayAsync(U("/api/sample?id=a&step=20"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_runA, "samples", "step-000020.png")), png);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(U("/api/run?id=sweep%2Fb"))).StatusCode);
    }

    /// <summary>One server-sent event: its type, id and data.</summary>
    private sealed record Sse(string Event, string? Id, string Data);

    /// <summary>
    /// Parses the stream on a background task into a channel, so that waiting for an event with a timeout never
    /// cancels a read of the response (which would abort the connection).
    /// </summary>
    private sealed class SseReader
    {
        private readonly System.Threading.Channels.Channel<Sse> _events = System.Threading.Channels.Channel.CreateUnbounded<Sse>();

        public SseReader(StreamReader reader) => _ = Task.Run(() => Pump(reader));

        private async Task Pump(StreamReader reader)
        {
            try
            {
                string ev = "message", data = "";
                string? id = null;
                while (await reader.ReadLineAsync() is { } line)
                {
                    if (line.Length == 0)
                    {
                        if (data.Length > 0 || ev != "message") await _events.Writer.WriteAsync(new Sse(ev, id, data));
                        (ev, data, id) = ("message", "", null);
                        continue;
                    }
                    if (line.StartsWith(':')) continue;
                    int colon = line.IndexOf(':');
                    string field = line[..colon], value = line[(colon + 1)..].TrimStart(' ');
                    if (field == "event") ev = value;
                    else if (field == "id") id = value;
                    else if (field == "data") data += value;
                }
                _events.Writer.Complete(new EndOfStreamException("the event stream ended"));
            }
            catch (Exception e)
            {
                _events.Writer.Complete(e);
            }
        }

        public async Task<Sse> Next(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            return await _events.Reader.ReadAsync(cts.Token);
        }

        /// <summary>The next event of type <paramref name="type"/>; others are skipped.</summary>
        public async Task<Sse> Next(string type, TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (true)
            {
                var e = await Next(until - DateTime.UtcNow);
                if (e.Event == type) return e;
            }
        }

        /// <summary>True if no event comes within <paramref name="wait"/>.</summary>
        public async Task<bool> Quiet(TimeSpan wait)
        {
            try { await Next(wait); return false; }
            catch (OperationCanceledException) { return true; }
        }

        /// <summary>Reads events until the stream ends; false if it is still open after <paramref name="timeout"/>.</summary>
        public async Task<bool> Ends(TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            try
            {
                while (true) await Next(until - DateTime.UtcNow);
            }
            catch (OperationCanceledException) { return false; }
            catch (Exception) { return true; }
        }
    }

    private async Task<(HttpResponseMessage Response, SseReader Reader)> Open(string query, string? lastEventId = null)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, U("/api/events?" + query));
        if (lastEventId is not null) req.Headers.Add("Last-Event-ID", lastEventId);
        var r = await _http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/event-stream", r.Content.Headers.ContentType!.MediaType);
        return (r, new SseReader(new StreamReader(await r.Content.ReadAsStreamAsync())));
    }

    [Fact]
    public async Task TheEventStreamSendsEachAppendedLineOnceItIsComplete()
    {
        string metrics = Path.Combine(_runA, "metrics.jsonl");
        long start = new FileInfo(metrics).Length;
        var (resp, sse) = await Open($"id=a&offset={start}");
        using (resp)
        {
            var t = TimeSpan.FromSeconds(10);
            Assert.Equal(20, JsonNode.Parse((await sse.Next("options", t)).Data)!["steps"]!.GetValue<int>());
            Assert.Equal("[10,20]", (await sse.Next("samples", t)).Data);
            Assert.Contains("step-000020.ckpt", (await sse.Next("checkpoints", t)).Data);
            Assert.True(await sse.Quiet(TimeSpan.FromMilliseconds(300)));      // nothing new yet

            File.AppendAllText(metrics, Line(21, 1.5));
            var e = await sse.Next("metrics", t);
            var lines = JsonNode.Parse(e.Data)!.AsArray();
            Assert.Equal((21, 1.5), (lines.Single()!["step"]!.GetValue<int>(), lines.Single()!["loss_d"]!.GetValue<double>()));
            Assert.Equal(new FileInfo(metrics).Length.ToString(), e.Id);      // the id is the byte offset after the line
            string afterFirst = e.Id!;

            string half = Line(22, 1.25);
            File.AppendAllText(metrics, half[..10]);                           // a line being written is held back
            Assert.True(await sse.Quiet(TimeSpan.FromMilliseconds(300)));
            File.AppendAllText(metrics, half[10..] + Line(23, 1.125));
            e = await sse.Next("metrics", t);
            Assert.Equal(new[] { 22, 23 }, JsonNode.Parse(e.Data)!.AsArray().Select(l => l!["step"]!.GetValue<int>()));

            WriteGrid(_runA, 30);
            Assert.Equal("[10,20,30]", (await sse.Next("samples", t)).Data);

            // A resume that raises the steps rewrites options.json: the page gets the new options.
            File.WriteAllText(Path.Combine(_runA, "options.json"), "{\"options\":{\"model\":\"mlp\",\"data\":\"ring\",\"steps\":40,\"batch\":32}}");
            Assert.Equal(40, JsonNode.Parse((await sse.Next("options", t)).Data)!["steps"]!.GetValue<int>());

            // A browser reconnecting sends the last id it saw and gets what came after it, once.
            var (resp2, again) = await Open("id=a&offset=0", lastEventId: afterFirst);
            using (resp2)
            {
                e = await again.Next("metrics", t);
                Assert.Equal(new[] { 22, 23 }, JsonNode.Parse(e.Data)!.AsArray().Select(l => l!["step"]!.GetValue<int>()));
            }

            // A resume drops lines after its checkpoint (RunDirectory.TruncateMetrics replaces the file atomically):
            // the file shrinks and the page is told to reload.
            File.WriteAllText(metrics + ".tmp", Line(10, 1.1));
            File.Move(metrics + ".tmp", metrics, overwrite: true);
            e = await sse.Next("reset", t);
            Assert.Equal(new FileInfo(metrics).Length.ToString(), e.Data);
        }
    }

    [Fact]
    public async Task AFileRewrittenPastTheOldOffsetIsAResetNotAMisreadLine()
    {
        string metrics = Path.Combine(_runA, "metrics.jsonl");
        long start = new FileInfo(metrics).Length;
        var (resp, sse) = await Open($"id=a&offset={start}");
        using (resp)
        {
            await sse.Next("checkpoints", TimeSpan.FromSeconds(10));
            // A resume from step 10 rewrites the file, then training appends more than was there before the next poll.
            string rewritten = Line(10, 1.1) + Line(11, 1.7) + Line(12, 1.8) + Line(13, 1.9);
            Assert.True(rewritten.Length > start);
            File.WriteAllText(metrics + ".tmp", rewritten);
            File.Move(metrics + ".tmp", metrics, overwrite: true);
            var e = await sse.Next(TimeSpan.FromSeconds(10));
            Assert.Equal(("reset", rewritten.Length.ToString()), (e.Event, e.Data));
        }
        // An offset inside a line is refused the same way: the page reloads and gets a good one.
        var (resp2, sse2) = await Open("id=a&offset=5");
        using (resp2)
            Assert.Equal("reset", (await sse2.Next(TimeSpan.FromSeconds(10))).Event);
    }

    [Fact]
    public async Task TheStreamStartsFromTheOffsetAndRejectsABadOne()
    {
        var (resp, sse) = await Open("id=a&offset=0");
        using (resp)
        {
            var e = await sse.Next("metrics", TimeSpan.FromSeconds(10));
            Assert.Equal(new[] { 10, 20 }, JsonNode.Parse(e.Data)!.AsArray().Select(l => l!["step"]!.GetValue<int>()));
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync(U("/api/events?id=a&offset=-5"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync(U("/api/events?id=a&offset=abc"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(U("/api/events?id=..%2Fsecret.txt"))).StatusCode);
    }

    /// <summary>Sends a request line as written (HttpClient would normalize the dot segments away).</summary>
    private async Task<string> Raw(string target, string host = "127.0.0.1")
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _dash.Address.Port);
        var s = tcp.GetStream();
        await s.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(s, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    [Theory]
    [InlineData("/api/run?id=..%2Fsecret.txt")]
    [InlineData("/api/run?id=..")]
    [InlineData("/api/run?id=a%2F..%2F..%2Fsecret.txt")]
    [InlineData("/api/run?id=%2Fetc")]
    [InlineData("/api/run?id=a%5C..%5C..")]
    [InlineData("/api/run?id=notes")]
    [InlineData("/api/run?id=sweep")]
    [InlineData("/api/run?id=linked")]
    [InlineData("/api/run?id=")]
    [InlineData("/api/run")]
    [InlineData("/api/sample?id=a&step=..%2F..%2F..%2Fsecret.txt")]
    [InlineData("/api/sample?id=a&step=-1")]
    [InlineData("/api/sample?id=a&step=99")]
    [InlineData("/api/sample?id=..&step=20")]
    [InlineData("/../secret.txt")]
    [InlineData("/%2e%2e/secret.txt")]
    [InlineData("/..%2fsecret.txt")]
    [InlineData("/api/../../secret.txt")]
    [InlineData("/notes/todo.txt")]
    [InlineData("/a/options.json")]
    [InlineData("/a/samples/step-000020.png")]
    public async Task PathTraversalIsRefused(string target)
    {
        string response = await Raw(target);
        Assert.StartsWith("HTTP/1.1 404", response);
        Assert.DoesNotContain("TOP-SECRET", response);
        Assert.DoesNotContain("not served", response);
        Assert.DoesNotContain("\"model\"", response);
    }

    [Fact]
    public async Task OnlyGetIsAnsweredAndOnlyForLocalHostNames()
    {
        foreach (var method in new[] { HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch })
        {
            using var r = await _http.SendAsync(new HttpRequestMessage(method, U("/api/runs")));
            Assert.Equal(HttpStatusCode.MethodNotAllowed, r.StatusCode);
            Assert.Equal("GET, HEAD", string.Join(", ", r.Content.Headers.Allow));
        }
        // A page on another site that points its own name at 127.0.0.1 (DNS rebinding) must not read the runs.
        Assert.StartsWith("HTTP/1.1 400", await Raw("/api/runs", host: "attacker.example"));
        Assert.StartsWith("HTTP/1.1 200", await Raw("/api/runs", host: "localhost:" + _dash.Address.Port));
        Assert.StartsWith("HTTP/1.1 200", await Raw("/api/runs", host: "[::1]"));
    }

    [Fact]
    public async Task ThePageLoadsNothingFromOutside()
    {
        using var r = await _http.GetAsync(U("/"));
        Assert.Equal("default-src 'self'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'", r.Headers.GetValues("Content-Security-Policy").Single());
        string html = await r.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"/app.js\"></script>", html);
        foreach (var asset in new[] { "/", "/app.js", "/style.css" })
        {
            string text = await _http.GetStringAsync(U(asset));
            Assert.DoesNotContain("http:", text);
            Assert.DoesNotContain("https:", text);
            Assert.DoesNotContain("innerHTML", text);                          // server text goes in as text only
        }
        Assert.Contains("new EventSource('/api/events?id='", await _http.GetStringAsync(U("/app.js")));
    }

    [Fact]
    public async Task StoppingTheServerEndsOpenStreams()
    {
        var (resp, sse) = await Open("id=a&offset=0");
        using (resp)
        {
            await sse.Next("metrics", TimeSpan.FromSeconds(10));
            var stopped = _dash.DisposeAsync().AsTask();
            Assert.True(await Task.WhenAny(stopped, Task.Delay(TimeSpan.FromSeconds(8))) == stopped, "the server did not stop within 8 s with a stream open");
            Assert.True(await sse.Ends(TimeSpan.FromSeconds(5)), "the event stream stayed open after the server stopped");
        }
        _dash = await Dashboard.StartAsync(_root);                            // DisposeAsync of the fixture stops this one
    }
}

public class ServeCommandTests
{
    [Fact]
    public void AMissingRunsFolderOrBadPortIsOneErrorLine()
    {
        var (code, _, err) = TestUtil.RunCli("serve", "--runs", "/no/such/runs");
        Assert.Equal((2, "error: runs folder '/no/such/runs' does not exist: pass --runs DIR (the folder that holds run directories)"), (code, err.Trim()));
        using var tmp = new TestUtil.TempDir();
        (code, _, err) = TestUtil.RunCli("serve", "--runs", tmp.Path, "--port", "70000");
        Assert.Equal((2, "error: --port must be in 0..65535 (got 70000; 0 picks a free port)"), (code, err.Trim()));
        (code, _, err) = TestUtil.RunCli("serve", "--runs", tmp.Path, "--host", "my-laptop");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --host 'my-laptop' is not an IP address", err.Trim());
    }

    [Fact]
    public void APortInUseIsOneErrorLine()
    {
        using var tmp = new TestUtil.TempDir();
        var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        try
        {
            int port = ((IPEndPoint)busy.LocalEndpoint).Port;
            var (code, _, err) = TestUtil.RunCli("serve", "--runs", tmp.Path, "--port", port.ToString());
            Assert.Equal(1, code);
            string line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"error: cannot listen on 127.0.0.1:{port} (", line);
            Assert.EndsWith("pass another --port, or --port 0 for a free one", line);
        }
        finally
        {
            busy.Stop();
        }
    }
}
