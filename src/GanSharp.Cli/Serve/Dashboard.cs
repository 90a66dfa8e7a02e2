using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GanSharp.Cli.Serve;

/// <summary>
/// `gansharp serve`: a read-only dashboard of the runs in a folder on ASP.NET Core (Kestrel). The page lists the
/// runs (refreshed every 2 s) and shows one run's curves, latest sample grids and checkpoints; a server-sent event
/// stream pushes new metrics.jsonl lines, new grids and checkpoint changes as training writes them.
/// Only GET and HEAD are served; runs are named by ids from <see cref="RunFolder"/>, never by paths; on a loopback
/// address only requests whose Host is localhost, 127.0.0.1 or [::1] are answered (no DNS rebinding).
/// </summary>
public sealed class Dashboard : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RunFolder _runs;
    private readonly TimeSpan _poll;
    private readonly bool _loopback;

    private Dashboard(WebApplication app, RunFolder runs, TimeSpan poll, bool loopback)
    {
        _app = app;
        _runs = runs;
        _poll = poll;
        _loopback = loopback;
    }

    /// <summary>Where the dashboard listens (the port picked when 0 was asked).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>
    /// Starts serving <paramref name="runsRoot"/> on <paramref name="host"/>:<paramref name="port"/> (0: a free
    /// port). <paramref name="poll"/>: how often the live stream looks for new lines (default 250 ms).
    /// </summary>
    public static async Task<Dashboard> StartAsync(string runsRoot, string host = "127.0.0.1", int port = 0, TimeSpan? poll = null)
    {
        if (!Directory.Exists(runsRoot))
            throw new DirectoryNotFoundException($"runs folder '{runsRoot}' does not exist: pass --runs DIR (the folder that holds run directories)");
        if (port is < 0 or > 65535) throw new ArgumentException($"--port must be in 0..65535 (got {port}; 0 picks a free port)");
        if (!IPAddress.TryParse(host is "localhost" ? "127.0.0.1" : host, out var address))
            throw new ArgumentException($"--host '{host}' is not an IP address (use 127.0.0.1, the default, or e.g. 0.0.0.0 to serve other machines)");

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = Array.Empty<string>(), ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(address, port);
        });
        var app = builder.Build();
        var dashboard = new Dashboard(app, new RunFolder(runsRoot), poll ?? TimeSpan.FromMilliseconds(250), IPAddress.IsLoopback(address));
        dashboard.Map();
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"cannot listen on {host}:{port} ({e.Message}): pass another --port, or --port 0 for a free one", e);
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        dashboard.Address = new Uri(bound.Replace("//[::]", "//[::1]").Replace("//0.0.0.0", "//127.0.0.1"));
        return dashboard;
    }

    /// <summary>Completes when the server stops (<see cref="DisposeAsync"/>, or the token).</summary>
    public Task WaitForShutdownAsync(CancellationToken token = default) => _app.WaitForShutdownAsync(token);

    private void Map()
    {
        _app.Use(async (ctx, next) =>
        {
            var h = ctx.Response.Headers;
            h["X-Content-Type-Options"] = "nosniff";
            h["Content-Security-Policy"] = "default-src 'self'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'";
            h["Cache-Control"] = "no-store";
            if (!HttpMethods.IsGet(ctx.Request.Method) && !HttpMethods.IsHead(ctx.Request.Method))
            {
                ctx.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                h["Allow"] = "GET, HEAD";
                await ctx.Response.WriteAsync("read-only: only GET and HEAD are served\n").ConfigureAwait(false);
                return;
            }
            if (_loopback && ctx.Request.Host.Host is not ("localhost" or "127.0.0.1" or "[::1]" or "::1"))
            {
                ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
                await ctx.Response.WriteAsync("this dashboard answers requests for localhost only\n").ConfigureAwait(false);
                return;
            }
            await next(ctx).ConfigureAwait(false);
        });

        _app.MapGet("/", () => Asset("index.html", "text/html; charset=utf-8"));
        _app.MapGet("/app.js", () => Asset("app.js", "text/javascript; charset=utf-8"));
        _app.MapGet("/style.css", () => Asset("style.css", "text/css; charset=utf-8"));
        _app.MapGet("/favicon.ico", () => Results.NoContent());            // browsers ask for it; there is none
        _app.MapGet("/api/runs", () =>
        {
            var runs = new JsonArray();
            foreach (var (id, dir) in _runs.Runs())
            {
                try { runs.Add(RunFolder.Summary(id, dir)); }
                catch (Exception e) when (e is IOException or JsonException or InvalidOperationException or FormatException)
                {
                    runs.Add(new JsonObject { ["id"] = id, ["error"] = e.Message });
                }
            }
            return Json(new JsonObject { ["root"] = _runs.Root, ["runs"] = runs });
        });
        _app.MapGet("/api/run", (HttpContext ctx) =>
            _runs.Find(ctx.Request.Query["id"]) is { } dir ? Json(RunFolder.Detail(ctx.Request.Query["id"]!, dir)) : NoRun(ctx));
        _app.MapGet("/api/sample", (HttpContext ctx) =>
        {
            if (_runs.Find(ctx.Request.Query["id"]) is not { } dir) return NoRun(ctx);
            if (!int.TryParse(ctx.Request.Query["step"], NumberStyles.None, CultureInfo.InvariantCulture, out int step)
                || RunFolder.SamplePath(dir, step) is not { } png)
                return Results.Text("no such sample grid\n", "text/plain", statusCode: 404);
            return Results.File(File.ReadAllBytes(png), "image/png");
        });
        _app.MapGet("/api/events", Events);
    }

    private static IResult NoRun(HttpContext ctx) => Results.Text("no such run\n", "text/plain", statusCode: 404);

    private static IResult Json(JsonNode node) => Results.Text(node.ToJsonString(), "application/json; charset=utf-8");

    private static IResult Asset(string name, string type)
    {
        using var s = typeof(Dashboard).Assembly.GetManifestResourceStream("GanSharp.Cli.Serve." + name)
            ?? throw new InvalidOperationException($"dashboard asset {name} is not embedded");
        using var r = new StreamReader(s, Encoding.UTF8);
        return Results.Text(r.ReadToEnd(), type);
    }

    /// <summary>
    /// Server-sent events for one run, from byte <c>offset</c> of metrics.jsonl (or the Last-Event-ID a reconnecting
    /// browser sends): <c>metrics</c> (new lines; the event id is the offset after them), <c>options</c>,
    /// <c>samples</c> and <c>checkpoints</c> (whenever they change; each sent once at the start), <c>reset</c> when metrics.jsonl was rewritten
    /// (a resume dropped lines: the bytes before the offset changed, or the file shrank; the page reloads), and a
    /// comment every 15 s to keep the connection.
    /// </summary>
    private async Task Events(HttpContext ctx)
    {
        string? id = ctx.Request.Query["id"];
        if (_runs.Find(id) is not { } dir)
        {
            ctx.Response.StatusCode = StatusCodes.Status404NotFound;
            await ctx.Response.WriteAsync("no such run\n").ConfigureAwait(false);
            return;
        }
        string? from = ctx.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? ctx.Request.Query["offset"];
        long offset = 0;
        if (from is not null && (!long.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out offset)))
        {
            ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
            await ctx.Response.WriteAsync("offset must be a byte offset (a non-negative integer)\n").ConfigureAwait(false);
            return;
        }
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers["X-Accel-Buffering"] = "no";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, _app.Lifetime.ApplicationStopping);
        var token = stop.Token;
        string metrics = Path.Combine(dir, "metrics.jsonl");
        string? samples = null, checkpoints = null, options = null;
        var lastWrite = DateTime.UtcNow;
        // The offset must end a line of the file as it is now; later, the bytes before it must stay the same.
        byte[]? anchor = MetricsTail.Anchor(metrics, offset);
        try
        {
            await Send(ctx, "retry: 1000\n\n", token).ConfigureAwait(false);
            while (!token.IsCancellationRequested)
            {
                byte[]? now = MetricsTail.Anchor(metrics, offset);
                if (anchor is null || now is null || !now.AsSpan().SequenceEqual(anchor) || (anchor.Length > 0 && anchor[^1] != (byte)'\n'))
                {
                    long length = File.Exists(metrics) ? new FileInfo(metrics).Length : 0;
                    await Send(ctx, $"event: reset\ndata: {length}\n\n", token).ConfigureAwait(false);
                    return;                                        // the page reloads the run and reconnects
                }
                var (lines, next) = MetricsTail.Read(metrics, offset);
                if (next > offset)
                {
                    offset = next;
                    anchor = MetricsTail.Anchor(metrics, offset);
                    var data = new JsonArray(lines.Select(l => (JsonNode)l).ToArray()).ToJsonString();
                    await Send(ctx, $"id: {offset}\nevent: metrics\ndata: {data}\n\n", token).ConfigureAwait(false);
                    lastWrite = DateTime.UtcNow;
                }
                if (RunFolder.Options(dir)?.ToJsonString() is { } o && o != options)
                {
                    options = o;                                   // a resume may raise the steps
                    await Send(ctx, $"event: options\ndata: {o}\n\n", token).ConfigureAwait(false);
                    lastWrite = DateTime.UtcNow;
                }
                string s = RunFolder.SampleSteps(dir).ToJsonString();
                if (s != samples)
                {
                    samples = s;
                    await Send(ctx, $"event: samples\ndata: {s}\n\n", token).ConfigureAwait(false);
                    lastWrite = DateTime.UtcNow;
                }
                string c = RunFolder.Checkpoints(dir).ToJsonString();
                if (c != checkpoints)
                {
                    checkpoints = c;
                    await Send(ctx, $"event: checkpoints\ndata: {c}\n\n", token).ConfigureAwait(false);
                    lastWrite = DateTime.UtcNow;
                }
                if (DateTime.UtcNow - lastWrite > TimeSpan.FromSeconds(15))
                {
                    await Send(ctx, ": keep-alive\n\n", token).ConfigureAwait(false);
                    lastWrite = DateTime.UtcNow;
                }
                await Task.Delay(_poll, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // the browser left, or the server is stopping
        }
    }

    private static async Task Send(HttpContext ctx, string text, CancellationToken token)
    {
        await ctx.Response.WriteAsync(text, token).ConfigureAwait(false);
        await ctx.Response.Body.FlushAsync(token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            await _app.StopAsync(cts.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
