using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using GanSharp.Cli.Serve;
using GanSharp.Data;
using GanSharp.Runs;
using GanSharp.Training;
using Microsoft.Playwright;
using Xunit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace GanSharp.BrowserTests;

/// <summary>
/// `gansharp serve` in a real browser: Debian's Chromium driven by Playwright (its bundled node runs the driver
/// offline; ExecutablePath points at the system browser, so nothing is downloaded). A tiny real training run is
/// made, the page is opened, and the test asserts on the DOM text and on the painted canvas and image pixels while
/// a metrics line is appended by hand and while the run is resumed and trains on with the page open.
/// </summary>
public class DashboardBrowserTests(ITestOutputHelper output)
{
    private static readonly string[] Candidates = { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable" };

    /// <summary>$GANSHARP_CHROMIUM, else the first system Chromium found, else null.</summary>
    public static string? FindChromium()
    {
        if (Environment.GetEnvironmentVariable("GANSHARP_CHROMIUM") is { Length: > 0 } env) return File.Exists(env) ? env : null;
        return Candidates.FirstOrDefault(File.Exists);
    }

    private static string SkipMessage =>
        (Environment.GetEnvironmentVariable("GANSHARP_CHROMIUM") is { Length: > 0 } env
            ? $"GANSHARP_CHROMIUM={env} does not exist"
            : "no Chromium found (looked for " + string.Join(", ", Candidates) + "; GANSHARP_CHROMIUM names another)")
        + ": install it with 'sudo apt-get install chromium' (Debian/Ubuntu) to run the browser test";

    /// <summary>Pixels of the named chart's canvas that are not white.</summary>
    private static Task<int> PaintedPixels(IPage page, string chart) => page.EvaluateAsync<int>(@"(name) => {
        const c = document.querySelector(`canvas[data-chart='${name}']`);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) n++;
        return n;
    }", chart);

    private static Task<string> CanvasPng(IPage page, string chart) =>
        page.EvaluateAsync<string>("(name) => document.querySelector(`canvas[data-chart='${name}']`).toDataURL()", chart);

    /// <summary>The sample grid as the browser decoded it: its natural size and how many of its pixels are not white.</summary>
    private static async Task<(int Width, int Height, int Dark)> GridImage(IPage page)
    {
        var r = await page.EvaluateAsync<JsonElementHolder>(@"() => {
            const img = document.querySelector('#grid');
            if (!img.complete || img.naturalWidth === 0) return { w: 0, h: 0, dark: 0 };
            const c = document.createElement('canvas');
            c.width = img.naturalWidth; c.height = img.naturalHeight;
            const g = c.getContext('2d');
            g.drawImage(img, 0, 0);
            const d = g.getImageData(0, 0, c.width, c.height).data;
            let dark = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) dark++;
            return { w: c.width, h: c.height, dark };
        }");
        return (r.w, r.h, r.dark);
    }

    private sealed class JsonElementHolder
    {
#pragma warning disable IDE1006 // names as the page returns them
        public int w { get; set; }
        public int h { get; set; }
        public int dark { get; set; }
#pragma warning restore IDE1006
    }

    private static double LastLossD(string metrics) =>
        File.ReadLines(metrics).Select(l => JsonNode.Parse(l)!.AsObject()).Last(l => l["loss_d"] is not null)["loss_d"]!.GetValue<double>();

    [SkippableFact]
    [Trait("Category", "Slow")]
    public async Task TheDashboardFollowsATrainingRunInChromium()
    {
        string? chromium = FindChromium();
        Skip.If(chromium is null, SkipMessage);
        var clock = Stopwatch.StartNew();
        string tmp = Path.Combine(Path.GetTempPath(), "gansharp-browser-" + Guid.NewGuid().ToString("N"));
        string runs = Path.Combine(tmp, "runs");
        string shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);
        try
        {
            // A tiny real run: an MLP GAN on the 8-Gaussian ring, 20 steps, a grid and a checkpoint every 10.
            using var data = GaussianMixture2D.Ring(512, 1);
            var o = new GanOptions
            {
                Model = "mlp", Arch = "mlp", Data = "ring", Steps = 20, Batch = 64, ZDim = 4, WidthG = 32, WidthD = 32, Depth = 2,
                Threads = 1, LogEvery = 2, SampleEvery = 10, CheckpointEvery = 10, SampleCount = 300, Seed = 7,
            };
            string root;
            using (var run = TrainingRun.Create(o, data, runs, "ring"))
            {
                Assert.True(run.Run());
                root = run.Directory.Root;
            }
            string metrics = Path.Combine(root, "metrics.jsonl");

            await using var dash = await Dashboard.StartAsync(runs, poll: TimeSpan.FromMilliseconds(100));
            using var pw = await Playwright.CreateAsync();
            await using var browser = await pw.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true });
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
            var errors = new List<string>();
            page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
            page.PageError += (_, e) => errors.Add(e);
            // Generous: the machine may be shared; a pass is usually 15-40 s in all.
            page.SetDefaultTimeout(60_000);
            SetDefaultExpectTimeout(60_000);
            var wait = new LocatorAssertionsToContainTextOptions { Timeout = 60_000 };

            // The run list.
            await page.GotoAsync(dash.Address.ToString());
            var row = page.Locator("#runs tbody tr[data-id='ring']");
            await Expect(row).ToContainTextAsync("20 / 20", wait);
            await Expect(row).ToContainTextAsync("done", wait);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "dashboard-list.png") });

            // The run page: status, latest values, painted curves, the last grid, the checkpoints.
            await row.Locator("a").ClickAsync();
            var status = page.Locator("#status");
            await Expect(status).ToContainTextAsync("step 20 of 20", wait);
            var lossD = page.Locator("#latest [data-key='loss_d']");
            await Expect(lossD).ToHaveTextAsync("loss_d " + LastLossD(metrics).ToString("F4", CultureInfo.InvariantCulture));
            Assert.True(await PaintedPixels(page, "Losses") > 300, "the loss chart's canvas is blank");
            Assert.True(await PaintedPixels(page, "Mean D outputs") > 300, "the D-output chart's canvas is blank");
            string curves0 = await CanvasPng(page, "Losses");
            var grid = page.Locator("#grid");
            await Expect(grid).ToHaveAttributeAsync("data-step", "20");
            await page.WaitForFunctionAsync("() => { const i = document.querySelector('#grid'); return i.complete && i.naturalWidth > 0; }");
            var (gw, gh, dark) = await GridImage(page);
            Assert.True(gw > 100 && gh > 100 && dark > 200, $"the sample grid did not paint: {gw}×{gh}, {dark} dark pixels");
            var ckpts = page.Locator("#ckpts");
            await Expect(ckpts).ToContainTextAsync("step-000020.ckpt  (latest)", wait);

            // A metrics line appended by hand arrives through the event stream.
            File.AppendAllText(metrics, "{\"step\":21,\"loss_d\":2.5,\"loss_g\":0.125,\"d_real\":0.5,\"d_fake\":0.25,\"seconds\":0.1}\n");
            await Expect(status).ToContainTextAsync("step 21 of 20", wait);
            await Expect(lossD).ToHaveTextAsync("loss_d 2.5000");
            string curves1 = await CanvasPng(page, "Losses");
            Assert.NotEqual(curves0, curves1);

            // The run resumes with the page open: it drops the hand line (the stream resets, the page reloads) and
            // trains to step 60; new lines, grids and checkpoints arrive while it trains.
            using (var run = TrainingRun.Resume(root, data, steps: 60))
                Assert.True(run.Run());
            await Expect(status).ToContainTextAsync("step 60 of 60", wait);
            await Expect(lossD).ToHaveTextAsync("loss_d " + LastLossD(metrics).ToString("F4", CultureInfo.InvariantCulture));
            await Expect(grid).ToHaveAttributeAsync("data-step", "60");
            await page.WaitForFunctionAsync("() => { const i = document.querySelector('#grid'); return i.complete && i.naturalWidth > 0 && i.src.endsWith('step=60'); }");
            (gw, gh, dark) = await GridImage(page);
            Assert.True(gw > 100 && gh > 100 && dark > 200, $"the step-60 grid did not paint: {gw}×{gh}, {dark} dark pixels");
            await Expect(ckpts).ToContainTextAsync("step-000060.ckpt  (latest)", wait);
            Assert.NotEqual(curves1, await CanvasPng(page, "Losses"));
            // Every line of the file once, in order: none lost or doubled across the reset and the live appends.
            var fileSteps = File.ReadLines(metrics).Select(l => JsonNode.Parse(l)!["step"]!.GetValue<int>()).ToArray();
            Assert.Equal(fileSteps, await page.EvaluateAsync<int[]>("() => current.train.map(l => l.step)"));
            Assert.Equal(60, fileSteps[^1]);

            // The scrubber shows an older grid.
            await page.Locator("#scrub").FillAsync("0");
            await Expect(grid).ToHaveAttributeAsync("data-step", "10");
            await page.Locator("#scrub").FillAsync("5");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "dashboard-run.png"), FullPage = true });
            await page.EvaluateAsync("() => window.scrollTo(0, 0)");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "dashboard-top.png") });

            Assert.True(errors.Count == 0, "the page logged errors: " + string.Join(" | ", errors));
            output.WriteLine($"browser test: {clock.Elapsed.TotalSeconds:F1} s with {chromium}; screenshots in {shots}");
        }
        finally
        {
            try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
        }
    }
}
