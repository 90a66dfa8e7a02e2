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
        // The run's checkpoint file itself (a GAN checkpoint is another kind's file for 'classifier'), its G as
        // safetensors (an mlp G: another family's weights for 'import --arch dcgan64'), a pix2pix run for
        // 'translate', and tiny MNIST-format files so no command reaches for the network.
        Paths["run.ckpt"] = RunDirectory.ResolveCheckpoint(Paths["run"]);
        Paths["mlp.safetensors"] = Path.Combine(t, "mlp-g.safetensors");
        var (eHeader, eTensors) = CheckpointFile.Load(Paths["run.ckpt"]);
        GanSharp.Interop.SafeTensors.Save(Paths["mlp.safetensors"], eTensors.Where(kv => kv.Key.StartsWith("G.", StringComparison.Ordinal)).Select(kv => (kv.Key[2..], kv.Value)));
        foreach (var v in eTensors.Values) v.Dispose();
        // A valid dcgan64 generator (width 4) in GanSharp's names, for import cases that get past the file.
        Paths["dcgan64.safetensors"] = Path.Combine(t, "dcgan64-g.safetensors");
        var (g64, d64) = GanSharp.Families.GanModels.Build(new GanOptions { Model = "dcgan", Arch = "dcgan64", WidthG = 4, WidthD = 4, ZDim = 8 }, [3, 64, 64]);
        using (g64)
        using (d64)
            GanSharp.Interop.SafeTensors.Save(Paths["dcgan64.safetensors"], g64.state_dict().Select(kv => (kv.Key, kv.Value)));
        Paths["idx"] = Path.Combine(t, "idx");
        GanSharp.Tests.Reliability.KillAnywhere.WriteData(t);
        string photos = Path.Combine(t, "photos");
        var p2p = new GanOptions
        {
            Model = "pix2pix", Data = photos, Size = 16, Steps = 1, Batch = 4, WidthG = 4, WidthD = 4,
            Threads = 1, LogEvery = 1, SampleEvery = 1, CheckpointEvery = 1, SampleCount = 4, Seed = 3,
        };
        p2p.Set("task", "edges");
        var (pData, pHeld) = TrainingRun.OpenDataWithHeldOut(p2p);
        using (pData)
        using (pHeld)
        using (var run = TrainingRun.Create(p2p, pData, t, "p2p", heldOut: pHeld))
            Assert.True(run.Run());
        Paths["p2p"] = Path.Combine(t, "p2p");
        Paths["photo"] = Directory.GetFiles(photos).Order(StringComparer.Ordinal).First();
        Paths["photos"] = photos;
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
        // train: another family's run
        { "train: resume another family's run", "train dcgan --resume {run}", "trains model 'mlp', not 'dcgan'" },
        // data
        { "data: unknown dataset", "data fetch no-such-data", "" },
        { "data: no subcommand argument", "data fetch", "" },
        // list
        { "list: unknown section", "list no-such-section", "" },
        // classifier
        { "classifier: missing weights", "classifier test --weights {missing} --data mnist --data-dir {idx}", "" },
        { "classifier: PNG as weights", "classifier test --weights {png.ckpt} --data mnist --data-dir {idx}", "" },
        { "classifier: a GAN checkpoint as weights", "classifier test --weights {run.ckpt} --data mnist --data-dir {idx}", "" },
        { "classifier: missing data dir", "classifier test --weights mnist-cnn --data mnist --data-dir {missing}", "" },
        { "classifier: negative epochs", "classifier train --data mnist --data-dir {idx} --epochs -1 --out {out}/c.ckpt", "" },
        { "classifier: batch out of range", "classifier train --data mnist --data-dir {idx} --batch 0 --out {out}/c.ckpt", "" },
        // export
        { "export: missing checkpoint", "export {missing} --out {out}/g.safetensors", "does not exist" },
        { "export: PNG as checkpoint", "export {png.ckpt} --out {out}/g.safetensors", "is not a GanSharp checkpoint" },
        { "export: corrupt checkpoint", "export {corrupt} --out {out}/g.safetensors", "is corrupt" },
        { "export: foreign checkpoint", "export {foreign} --out {out}/g.safetensors", "is not a GanSharp training checkpoint" },
        { "export: unknown format", "export {run} --format onnx --out {out}/g.safetensors", "" },
        // import
        { "import: missing file", "import {missing} --out {out}/imp", "" },
        { "import: PNG as safetensors", "import {png} --out {out}/imp", "" },
        { "import: another family's weights", "import {mlp.safetensors} --arch dcgan64 --out {out}/imp", "" },
        { "import: into an existing run", "import {dcgan64.safetensors} --out {run}", "already holds files" },
        { "import: negative width", "import {dcgan64.safetensors} --width-g -4 --out {out}/imp", "does not match" },
        { "import: width out of range", "import {dcgan64.safetensors} --width-g 4096 --out {out}/imp", "does not match" },
        // report
        { "report: missing run", "report {missing}", "" },
        { "report: PNG as run", "report {png}", "is a file, not a run directory" },
        { "report: negative frames", "report {run} --max-frames -1", "--max-frames must be positive" },
        { "report: compare a missing run", "report {run} --compare {missing} --out {out}/c.html", "" },
        // translate
        { "translate: missing checkpoint", "translate {photo} --checkpoint {missing} --out {out}/t.png", "does not exist" },
        { "translate: corrupt checkpoint", "translate {photo} --checkpoint {corrupt} --out {out}/t.png", "is corrupt" },
        { "translate: another family's checkpoint", "translate {photo} --checkpoint {run} --out {out}/t.png", "" },
        { "translate: missing image", "translate {missing} --checkpoint {p2p} --out {out}/t.png", "" },
        { "translate: a checkpoint as the image", "translate {run.ckpt} --checkpoint {p2p} --out {out}/t.png", "" },
        { "translate: negative overlap", "translate {photo} --checkpoint {p2p} --overlap -3 --out {out}/t.png", "--overlap must be between 0 and" },
        { "translate: overlap out of range", "translate {photo} --checkpoint {p2p} --overlap 99 --out {out}/t.png", "--overlap must be between 0 and" },
        // serve (refused before it listens)
        { "serve: port out of range", "serve --runs {photos} --port 70000", "--port must be in 0..65535" },
        { "serve: negative port", "serve --runs {photos} --port -1", "--port must be in 0..65535" },
        { "serve: missing runs folder", "serve --runs {missing} --port 0", "does not exist" },
        // compare
        { "compare: missing run", "compare {missing}", "" },
        { "compare: PNG as run", "compare {png}", "" },
        { "compare: run without the metric", "compare {run} --metric fid", "" },
        // text2img
        { "text2img: missing checkpoint", "text2img circle --checkpoint {missing} --out {out}/t.png", "does not exist" },
        { "text2img: PNG as checkpoint", "text2img circle --checkpoint {png.ckpt} --out {out}/t.png", "is not a GanSharp checkpoint" },
        { "text2img: corrupt checkpoint", "text2img circle --checkpoint {corrupt} --out {out}/t.png", "is corrupt" },
        { "text2img: another family's checkpoint", "text2img circle --checkpoint {run} --out {out}/t.png", "" },
        { "text2img: negative count", "text2img circle --checkpoint {run} --count -1 --out {out}/t.png", "" },
        // featnet
        { "featnet: missing photo folder", "featnet train --data {missing} --out {out}/f.ckpt", "" },
        { "featnet: PNG as photo folder", "featnet train --data {png} --out {out}/f.ckpt", "" },
        // upscale
        { "upscale: missing checkpoint", "upscale {photo} --checkpoint {missing} --out {out}/u.png", "does not exist" },
        { "upscale: another family's checkpoint", "upscale {photo} --checkpoint {run} --out {out}/u.png", "" },
        { "upscale: missing image", "upscale {missing} --checkpoint {run} --out {out}/u.png", "" },
        { "upscale: negative tile", "upscale {photo} --checkpoint {run} --tile -1 --out {out}/u.png", "" },
        // eval-sr
        { "eval-sr: missing data", "eval-sr --data {missing}", "" },
        { "eval-sr: another family's checkpoint", "eval-sr --data {photos} --checkpoint {run}", "" },
        { "eval-sr: negative crop", "eval-sr --data {photos} --crop -1", "" },
        // refine
        { "refine: missing checkpoint", "refine --checkpoint {missing} --in {photos} --out {out}/r", "does not exist" },
        { "refine: another family's checkpoint", "refine --checkpoint {run} --in {photos} --out {out}/r", "" },
        { "refine: missing input folder", "refine --checkpoint {run} --in {missing} --out {out}/r", "" },
        // digits
        { "digits: missing labelled folder", "digits study --train {missing}", "does not exist" },
        { "digits: negative count", "digits render --count -5 --out {out}/d", "" },
        // completion
        { "completion: unknown shell", "completion fish", "" },
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
        string before = Hash(_paths["run"]) + Hash(_paths["p2p"]);

        var (code, stdout, stderr) = TestUtil.RunCli(args);

        output.WriteLine($"{what}: exit {code}; stderr: {stderr.TrimEnd()}");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(code != 0, $"{what}: exit code 0; stdout: {stdout}");
        Assert.True(lines.Length == 1 && lines[0].StartsWith("error: ", StringComparison.Ordinal),
            $"{what}: stderr is not one 'error:' line:\n{stderr}");
        if (expected.Length > 0) Assert.Contains(expected, lines[0]);
        Assert.Equal(before, Hash(_paths["run"]) + Hash(_paths["p2p"]));
    }
}
