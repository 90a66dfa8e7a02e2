using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using GanSharp.Imaging;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace GanSharp.Tests.Cli;

/// <summary>The files the table refers to, made once: a trained run, a PNG, corrupt and foreign checkpoints, sweeps.</summary>
public sealed class BadInputFixture : IDisposable
{
    private readonly TestUtil.TempDir _tmp = new();
    public Dictionary<string, string> Paths { get; } = new();

    public BadInputFixture()
    {
        string t = _tmp.Path;
        // A real run with a checkpoint (2-D mlp on the ring: a second to train).
        var o = TestUtil.TinyMlp(steps: 4);
        using (var data = TrainingRun.OpenData(o))
        using (var run = TrainingRun.Create(o, data, t, "run"))
            Assert.True(run.Run());
        Paths["run"] = Path.Combine(t, "run");
        Paths["missing"] = Path.Combine(t, "no-such-file");
        Paths["png"] = Path.Combine(t, "picture.png");
        ImageFile.SavePng(Paths["png"], new byte[8 * 8], 8, 8, 1);
        Paths["png.ckpt"] = Path.Combine(t, "picture.ckpt");
        File.Copy(Paths["png"], Paths["png.ckpt"]);
        // A checkpoint cut short, and one that is whole but of no family GanSharp knows (a foreign file).
        byte[] good = File.ReadAllBytes(RunDirectory.ResolveCheckpoint(Paths["run"]));
        Paths["corrupt"] = Path.Combine(t, "corrupt.ckpt");
        File.WriteAllBytes(Paths["corrupt"], good[..(good.Length / 2)]);
        Paths["foreign"] = Path.Combine(t, "foreign.ckpt");
        using (var w = ones(3, 3))
            CheckpointFile.Save(Paths["foreign"], new JsonObject { ["format"] = "someone-else", ["step"] = 1 }, [("weight", w)]);
        Paths["sweep"] = Path.Combine(t, "sweep.json");
        File.WriteAllText(Paths["sweep"], """{ "name": "s", "base": { "preset": "mlp-ring", "steps": 2 }, "configs": [ { "name": "a" } ], "seeds": [1] }""");
        Paths["bad.json"] = Path.Combine(t, "bad.json");
        File.WriteAllText(Paths["bad.json"], "{ \"name\": \"s\", ");
        Paths["out"] = Path.Combine(t, "out");
    }

    public void Dispose() => _tmp.Dispose();
}

/// <summary>
/// Bad input for every subcommand: a missing file, a file of the wrong type, a corrupt or foreign checkpoint, a
/// negative count and an out-of-range value each give exactly one stderr line starting with "error:", a non-zero
/// exit, and leave an existing run directory byte for byte as it was.
/// </summary>
public sealed class BadInputTests(BadInputFixture fixture, ITestOutputHelper output) : IClassFixture<BadInputFixture>
{
    private readonly Dictionary<string, string> _paths = fixture.Paths;

    public static TheoryData<string, string, string> Cases => new()
    {
        // train
        { "train: missing config", "train dcgan --config {missing} --out {out} --name x", "" },
        { "train: config is a PNG", "train dcgan --config {png} --out {out} --name x", "" },
        { "train: resume a missing run", "train dcgan --resume {missing}", "" },
        { "train: resume a PNG", "train dcgan --resume {png}", "is a file, not a run directory" },
        { "train: negative steps", "train mlp --data ring --steps -5 --out {out} --name x", "" },
        { "train: real label out of range", "train mlp --data ring --real-label 2 --out {out} --name x", "" },
        { "train: resume with fewer steps", "train mlp --resume {run} --steps 1", "" },
        // sample
        { "sample: missing checkpoint", "sample --checkpoint {missing} --out {out}/s.png", "does not exist" },
        { "sample: PNG as checkpoint", "sample --checkpoint {png.ckpt} --out {out}/s.png", "is not a GanSharp checkpoint" },
        { "sample: corrupt checkpoint", "sample --checkpoint {corrupt} --out {out}/s.png", "is corrupt" },
        { "sample: foreign checkpoint", "sample --checkpoint {foreign} --out {out}/s.png", "is not a GanSharp training checkpoint" },
        { "sample: negative count", "sample --checkpoint {run} --count -3 --out {out}/s.png", "" },
        { "sample: class of an unconditional model", "sample --checkpoint {run} --class 99 --out {out}/s.png", "" },
        // eval
        { "eval: missing checkpoint", "eval --checkpoint {missing} --metrics modes", "does not exist" },
        { "eval: PNG as checkpoint", "eval --checkpoint {png.ckpt} --metrics modes", "is not a GanSharp checkpoint" },
        { "eval: corrupt checkpoint", "eval --checkpoint {corrupt} --metrics modes", "is corrupt" },
        { "eval: foreign checkpoint", "eval --checkpoint {foreign} --metrics modes", "is not a GanSharp training checkpoint" },
        { "eval: negative samples", "eval --checkpoint {run} --samples -1 --metrics modes", "" },
        { "eval: unknown metric", "eval --checkpoint {run} --metrics bogus", "" },
        // latent
        { "latent: missing checkpoint", "latent interpolate --checkpoint {missing} --seeds 1,2 --out {out}/i.png", "does not exist" },
        { "latent: PNG as checkpoint", "latent interpolate --checkpoint {png.ckpt} --seeds 1,2 --out {out}/i.png", "is not a GanSharp checkpoint" },
        { "latent: corrupt checkpoint", "latent interpolate --checkpoint {corrupt} --seeds 1,2 --out {out}/i.png", "is corrupt" },
        { "latent: foreign checkpoint", "latent interpolate --checkpoint {foreign} --seeds 1,2 --out {out}/i.png", "is not a GanSharp training checkpoint" },
        { "latent: 2-D model has no images", "latent interpolate --checkpoint {run} --seeds 1,2 --out {out}/i.png", "" },
        { "latent: negative steps", "latent interpolate --checkpoint {run} --seeds 1,2 --steps -2 --out {out}/i.png", "" },
        { "latent: steps out of range", "latent interpolate --checkpoint {run} --seeds 1,2 --steps 1000 --out {out}/i.png", "" },
        // semisup
        { "semisup: resume a missing run", "semisup --resume {missing}", "" },
        { "semisup: resume a PNG", "semisup --resume {png}", "is a file, not a run directory" },
        { "semisup: negative labels", "semisup --labels -5 --out {out}", "" },
        { "semisup: negative epochs", "semisup --epochs -1 --out {out}", "" },
        // attack
        { "attack: negative samples", "attack --samples -1 --out {out}", "" },
        { "attack: steps out of range", "attack --steps 0 --out {out}", "" },
        { "attack: examples out of range", "attack --examples 100 --out {out}", "" },
        { "attack: missing data dir", "attack --data-dir {missing} --out {out}", "" },
        // sweep
        { "sweep: missing file", "sweep {missing} --out {out}", "" },
        { "sweep: PNG as sweep", "sweep {png} --out {out}", "" },
        { "sweep: corrupt JSON", "sweep {bad.json} --out {out}", "" },
        { "sweep: negative jobs", "sweep {sweep} --jobs -1 --out {out}", "" },
    };

    private static string Hash(string dir)
    {
        var sb = new StringBuilder();
        foreach (var f in Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            sb.Append(Path.GetRelativePath(dir, f));
            if (File.Exists(f)) sb.Append(' ').Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))).Append(' ').Append(File.GetLastWriteTimeUtc(f).Ticks);
            sb.Append('\n');
        }
        return sb.ToString();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneErrorLineNonZeroExitAndTheRunUntouched(string what, string command, string expected)
    {
        string[] args = command.Split(' ').Select(a =>
        {
            foreach (var (k, v) in _paths) a = a.Replace("{" + k + "}", v, StringComparison.Ordinal);
            return a;
        }).ToArray();
        string before = Hash(_paths["run"]);

        var (code, stdout, stderr) = TestUtil.RunCli(args);

        output.WriteLine($"{what}: exit {code}; stderr: {stderr.TrimEnd()}");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(code != 0, $"{what}: exit code 0; stdout: {stdout}");
        Assert.True(lines.Length == 1 && lines[0].StartsWith("error: ", StringComparison.Ordinal),
            $"{what}: stderr is not one 'error:' line:\n{stderr}");
        if (expected.Length > 0) Assert.Contains(expected, lines[0]);
        Assert.Equal(before, Hash(_paths["run"]));
    }
}
