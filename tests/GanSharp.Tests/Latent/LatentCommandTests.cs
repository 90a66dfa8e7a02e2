using GanSharp.Imaging;
using Xunit;

namespace GanSharp.Tests.Latent;

/// <summary>Trains a 2-step dcgan28 run on generated 28×28 PNGs once; `gansharp latent` runs against it.</summary>
public sealed class TinyRunFixture : IDisposable
{
    public TinyRunFixture()
    {
        string images = Path.Combine(Dir.Path, "images");
        var rng = new Random(2);
        for (int i = 0; i < 8; i++)
        {
            var px = new byte[28 * 28];
            rng.NextBytes(px);
            ImageFile.SavePng(Path.Combine(images, $"img{i}.png"), px, 28, 28, 1);
        }
        var (code, stdout, err) = LatentCommandTests.Run("train", "dcgan", "--data", images, "--size", "28", "--channels", "1",
            "--steps", "2", "--batch", "4", "--width-g", "4", "--width-d", "4", "--z-dim", "8", "--threads", "1",
            "--out", Dir.Path, "--name", "run");
        if (code != 0) throw new InvalidOperationException(stdout + err);
        Run = Path.Combine(Dir.Path, "run");
        Digit = Path.Combine(images, "img0.png");
    }

    public TestUtil.TempDir Dir { get; } = new();
    public string Run { get; }
    public string Digit { get; }
    public void Dispose() => Dir.Dispose();
}

public class LatentCommandTests(TinyRunFixture run) : IClassFixture<TinyRunFixture>
{
    internal static (int Code, string Out, string Err) Run(params string[] args) => TestUtil.RunCli(args);

    private string Out(string name) => Path.Combine(run.Dir.Path, name);

    [Fact]
    public void InterpolateWritesRowsOfSteps()
    {
        var (code, stdout, err) = Run("latent", "interpolate", "--checkpoint", run.Run, "--seeds", "1,2,3,4", "--steps", "5",
            "--threads", "1", "--out", Out("interp.png"));
        Assert.True(code == 0, stdout + err);
        Assert.Contains("slerp", stdout);
        var (_, w, h, c) = ImageFile.Load(Out("interp.png"));
        Assert.Equal((2 * (5 * 30 + 2), 2 * (2 * 30 + 2), 1), (w, h, c)); // 2 rows × 5 steps of 28 px + padding 2, at 2×
    }

    [Fact]
    public void ArithmeticPrintsColumnMeans()
    {
        var (code, stdout, err) = Run("latent", "arithmetic", "--checkpoint", run.Run, "--attribute", "slant", "--samples", "16",
            "--rows", "2", "--columns", "3", "--threads", "1", "--out", Out("slant.png"));
        Assert.True(code == 0, stdout + err);
        Assert.Contains("column mean:", stdout);
        var (_, w, h, _) = ImageFile.Load(Out("slant.png"));
        Assert.Equal((2 * (3 * 30 + 2), 2 * (2 * 30 + 2)), (w, h));
    }

    [Fact]
    public void InvertWritesOriginalAndReconstructionAndLatents()
    {
        var (code, stdout, err) = Run("latent", "invert", "--checkpoint", run.Run, "--image", run.Digit, "--steps", "3", "--starts", "2",
            "--threads", "1", "--save-latent", Out("z.txt"), "--out", Out("recon.png"));
        Assert.True(code == 0, stdout + err);
        Assert.Contains("MSE", stdout);
        var (_, w, h, _) = ImageFile.Load(Out("recon.png"));
        Assert.Equal((2 * (2 * 30 + 2), 2 * 32), (w, h));
        (code, stdout, err) = Run("latent", "interpolate", "--checkpoint", run.Run, "--latents", Out("z.txt"), "--out", Out("i.png"));
        Assert.Equal(2, code); // one latent is not a pair
        Assert.Contains("even number", err);
    }

    [Fact]
    public void BadInputGivesOneLine()
    {
        string wrong = Out("rgb32.png");
        ImageFile.SavePng(wrong, new byte[32 * 32 * 3], 32, 32, 3);
        void Fails(string expected, params string[] args)
        {
            var (code, _, err) = Run(args);
            Assert.Equal(2, code);
            Assert.StartsWith("error: ", err);
            Assert.Contains(expected, err);
            Assert.Single(err.Trim().Split('\n'));
        }
        Fails("unknown attribute 'bold'", "latent", "arithmetic", "--checkpoint", run.Run, "--attribute", "bold", "--out", Out("a.png"));
        Fails("does not exist", "latent", "invert", "--checkpoint", run.Run, "--image", Out("missing.png"), "--out", Out("r.png"));
        Fails("makes 28x28 images with 1 channel(s)", "latent", "invert", "--checkpoint", run.Run, "--image", wrong, "--out", Out("r.png"));
        Fails("even number", "latent", "interpolate", "--checkpoint", run.Run, "--seeds", "1,2,3", "--out", Out("i.png"));
        Fails("--seeds must be a comma-separated list", "latent", "interpolate", "--checkpoint", run.Run, "--seeds", "1,x", "--out", Out("i.png"));
        Fails("unknown interpolation", "latent", "interpolate", "--checkpoint", run.Run, "--seeds", "1,2", "--kind", "cubic", "--out", Out("i.png"));
        Fails("--out must name a .png", "latent", "interpolate", "--checkpoint", run.Run, "--seeds", "1,2", "--out", Out("i.gif"));
        Fails("give --image FILE or --mnist-index", "latent", "invert", "--checkpoint", run.Run, "--out", Out("r.png"));
    }
}
