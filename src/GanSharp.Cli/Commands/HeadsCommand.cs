using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Data.Synthetic;
using GanSharp.Families.Synthetic;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Cli.Commands;

/// <summary>
/// `gansharp heads identity-net|landmark-net|study`: the face networks TP-GAN needs (an identity network for its
/// loss, a second one as the judge, a landmark regressor) and the rank-1-by-yaw study of docs/synthetic.md.
/// </summary>
public static class HeadsCommand
{
    public static Command Create()
    {
        var cmd = new Command("heads", "Train the face networks of TP-GAN on heads (identity networks, landmark regressor) and score frontalization by rank-1 per yaw (docs/synthetic.md).");
        cmd.Subcommands.Add(TrainNet(identity: true));
        cmd.Subcommands.Add(TrainNet(identity: false));
        cmd.Subcommands.Add(Study());
        return cmd;
    }

    private static void Threads(int? t)
    {
        if (t is not int n) return;
        if (n < 1) throw new ArgumentException($"--threads must be positive (got {n})");
        set_num_threads(n);
    }

    private static Command TrainNet(bool identity)
    {
        var identities = new Option<int>("--identities") { Description = "Training identities of heads, each at 13 yaws (default 1000)", DefaultValueFactory = _ => Heads.DefaultTrainIdentities };
        var headsSeed = new Option<long>("--heads-seed") { Description = "Seed of the heads renderer (default 0, as tpgan's --heads-seed)", DefaultValueFactory = _ => 0 };
        var size = new Option<int>("--size") { Description = "Image side: 64 (default) or 128", DefaultValueFactory = _ => 64 };
        var supersample = new Option<int>("--supersample") { Description = "Rays per pixel side when rendering heads (default 2; 1 renders about 3.5× faster), as tpgan's --heads-supersample", DefaultValueFactory = _ => 2 };
        var steps = new Option<int>("--steps") { Description = "Adam updates (default 1000)", DefaultValueFactory = _ => 1000 };
        var seed = new Option<long>("--seed") { Description = "Seed of the network's weights and batches (default 1)", DefaultValueFactory = _ => 1 };
        var width = new Option<int>("--width") { Description = "Maps of the first layer (default 16; the trunk has w, 2w, 4w, 8w)", DefaultValueFactory = _ => 16 };
        var batch = new Option<int>("--batch") { Description = "Minibatch (default 64)", DefaultValueFactory = _ => 64 };
        var output = new Option<string>("--out") { Description = "File to write the network into", Required = true };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: all cores)" };
        string name = identity ? FaceNets.IdentityKind : FaceNets.LandmarkKind;
        var cmd = new Command(name, identity ? """
            Train a small face-recognition CNN on the training identities of heads over all 13 yaws (cross-entropy
            over identities). Its last two layers feed tpgan's identity-preserving loss (--identity-net); a second
            one trained with another --seed is the study's judge. Prints the file's SHA-256.

            Example:
              gansharp heads identity-net --identities 120 --steps 600 --seed 1 --out nets/id-loss.ckpt
              gansharp heads identity-net --identities 120 --steps 600 --seed 2 --out nets/id-judge.ckpt
            """ : """
            Train a small landmark regressor (eye centres, nose tip, mouth corners) on heads at all yaws, for
            'gansharp frontalize --landmark-net' and 'gansharp heads study --landmark-net'. Prints the file's SHA-256.

            Example:
              gansharp heads landmark-net --identities 120 --steps 600 --out nets/landmarks.ckpt
            """);
        foreach (var o in new Option[] { identities, headsSeed, size, supersample, steps, seed, width, batch, output, threads }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            if (p.GetValue(steps) < 1) throw new ArgumentException($"--steps must be positive (got {p.GetValue(steps)})");
            if (p.GetValue(width) < 1) throw new ArgumentException($"--width must be positive (got {p.GetValue(width)})");
            if (p.GetValue(size) is not (64 or 128)) throw new ArgumentException($"--size must be 64 or 128 (got {p.GetValue(size)})");
            TorchRuntime.EnsureLoaded();
            Threads(p.GetValue(threads));
            using var data = Heads.Open(p.GetValue(identities), "train", p.GetValue(headsSeed), p.GetValue(size), null, Log, p.GetValue(supersample));
            var sw = Stopwatch.StartNew();
            int every = Math.Max(1, p.GetValue(steps) / 10);
            void Progress(int step, double loss) { if (step % every == 0) Log($"{name}: step {step}/{p.GetValue(steps)} loss {loss:F4} ({sw.Elapsed.TotalSeconds:F0} s)"); }
            var info = new JsonObject
            {
                ["identities"] = p.GetValue(identities), ["heads-seed"] = p.GetValue(headsSeed), ["steps"] = p.GetValue(steps),
                ["seed"] = p.GetValue(seed), ["batch"] = p.GetValue(batch), ["supersample"] = p.GetValue(supersample), ["width"] = p.GetValue(width),
            };
            string path = p.GetValue(output)!, sha;
            if (identity)
            {
                using var net = FaceNets.TrainIdentity(data, p.GetValue(steps), p.GetValue(seed), p.GetValue(width), p.GetValue(batch), progress: Progress);
                using var scope = NewDisposeScope();
                // Training accuracy over every view (a sanity check, not a score: the study's judge sees unseen identities).
                using var _ = no_grad();
                var acc = FaceNets.Rank1Logits(net, data);
                info["train-accuracy"] = acc;
                sha = FaceNets.Save(net, path, info);
                Console.WriteLine($"wrote {path}: identity network, {data.NumClasses} identities × 13 yaws, {p.GetValue(steps)} steps in {sw.Elapsed.TotalSeconds:F0} s, training accuracy {acc:P1}");
            }
            else
            {
                using var net = FaceNets.TrainLandmarks(data, p.GetValue(steps), p.GetValue(seed), p.GetValue(width), p.GetValue(batch), progress: Progress);
                double err = FaceNets.LandmarkError(net, data);
                info["train-error-px"] = err;
                sha = FaceNets.Save(net, path, info);
                Console.WriteLine($"wrote {path}: landmark regressor, {p.GetValue(steps)} steps in {sw.Elapsed.TotalSeconds:F0} s, mean training error {err:F2} px");
            }
            Console.WriteLine($"sha256 {sha}");
            return 0;
        });
        return cmd;
    }

    private static Command Study()
    {
        var judge = new Option<string>("--judge") { Description = "The judge identity network (trained separately from the one any run's loss used)", Required = true };
        var runs = new Option<string[]>("--run") { Description = "NAME=RUN: a tpgan run directory or checkpoint to score, shown as NAME (repeatable)", AllowMultipleArgumentsPerToken = false };
        var identities = new Option<int>("--identities") { Description = "Test identities of heads (default 200)", DefaultValueFactory = _ => Heads.DefaultTestIdentities };
        var headsSeed = new Option<long>("--heads-seed") { Description = "Seed of the heads renderer (default 0)", DefaultValueFactory = _ => 0 };
        var size = new Option<int>("--size") { Description = "Image side: 64 (default) or 128", DefaultValueFactory = _ => 64 };
        var supersample = new Option<int>("--supersample") { Description = "Rays per pixel side when rendering the test heads (default 2)", DefaultValueFactory = _ => 2 };
        var landmarkNet = new Option<string?>("--landmark-net") { Description = "Estimate the probes' landmarks with this regressor (default: the renderer's true landmarks)" };
        var grid = new Option<string?>("--grid") { Description = "PNG of input, each run's output and truth per yaw for one test identity" };
        var gridId = new Option<int>("--grid-identity") { Description = "Test identity shown in --grid (default 0)", DefaultValueFactory = _ => 0 };
        var json = new Option<string?>("--json") { Description = "Write the scores as JSON here" };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: all cores)" };
        var cmd = new Command("study", """
            Rank-1 recognition of the heads test identities per yaw: gallery = one frontal view per identity, probes =
            the other views, matched directly (the floor) and after each run's frontalization, all embedded by the
            judge identity network (cosine). Also the pixel L1 to the true frontal view.

            Example:
              gansharp heads study --judge nets/id-judge.ckpt --identities 50 --run tpgan=runs/tpgan --run no-local=runs/tpgan-nolocal --grid grid.png
            """);
        foreach (var o in new Option[] { judge, runs, identities, headsSeed, size, supersample, landmarkNet, grid, gridId, json, threads }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            TorchRuntime.EnsureLoaded();
            Threads(p.GetValue(threads));
            var methods = new List<(string, TpGanSystem?)> { ("direct match", null) };
            var samplers = new List<Sampler>();
            try
            {
                foreach (var spec in p.GetValue(runs) ?? Array.Empty<string>())
                {
                    int eq = spec.IndexOf('=');
                    if (eq <= 0) throw new ArgumentException($"--run takes NAME=RUN, got '{spec}'");
                    var sampler = Sampler.Load(spec[(eq + 1)..]);
                    samplers.Add(sampler);
                    if (sampler.System is not TpGanSystem s)
                        throw new ArgumentException($"'{spec[(eq + 1)..]}' is a {sampler.Options.Model} checkpoint: the study scores tpgan runs");
                    methods.Add((spec[..eq], s));
                }
                using var net = FaceNets.LoadIdentity(p.GetValue(judge)!);
                using var lmNet = p.GetValue(landmarkNet) is { } lp ? FaceNets.LoadLandmarks(lp) : null;
                using var test = Heads.Open(p.GetValue(identities), "test", p.GetValue(headsSeed), p.GetValue(size), null, Log, p.GetValue(supersample));
                var sw = Stopwatch.StartNew();
                var scores = FrontalizeStudy.Run(test, net, methods, lmNet, p.GetValue(grid), p.GetValue(gridId), Log);
                Console.WriteLine($"rank-1 by |yaw| ({test.NumClasses} test identities, judge {Path.GetFileName(p.GetValue(judge))} sha256 {FaceNets.Sha256(p.GetValue(judge)!)[..12]}…, landmarks {(lmNet is null ? "true" : "estimated")}):");
                Console.WriteLine(FrontalizeStudy.Table(scores, s => s.Rank1, "P1"));
                Console.WriteLine("pixel L1 to the true frontal view ([0, 1] units):");
                Console.WriteLine(FrontalizeStudy.Table(scores, s => s.PixelL1, "F3"));
                if (p.GetValue(json) is { } jp)
                    File.WriteAllText(jp, JsonSerializer.Serialize(scores.Select(s => new { s.Name, Rank1 = s.Rank1, PixelL1 = s.PixelL1 }), new JsonSerializerOptions { WriteIndented = true }));
                Log($"study: {sw.Elapsed.TotalSeconds:F0} s");
                return 0;
            }
            finally
            {
                foreach (var s in samplers) s.Dispose();
            }
        });
        return cmd;
    }

    private static void Log(string message) => Console.Error.WriteLine(message);
}
