using System.CommandLine;
using System.Globalization;
using GanSharp.Families.Synthetic;
using GanSharp.Imaging;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp frontalize`: one face at any yaw through a TP-GAN checkpoint, with its landmarks given or estimated.</summary>
public static class FrontalizeCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A tpgan .ckpt file, or its run directory (the latest checkpoint)", Required = true };
        var input = new Argument<string>("input") { Description = "The face (PNG, JPEG or BMP), the model's size (64×64 or 128×128), as heads draws them" };
        var outFile = new Option<string>("--out") { Description = "Output PNG: the frontal view", Required = true };
        var landmarks = new Option<string?>("--landmarks") { Description = "The face's 5 landmarks in pixels as x0,y0,...,x4,y4: eye on the image's left, other eye, nose tip, mouth corners (left, right)" };
        var landmarkNet = new Option<string?>("--landmark-net") { Description = "Estimate the landmarks with this regressor (gansharp heads landmark-net) instead" };
        var cmd = new Command("frontalize", """
            Synthesize the frontal view of a face seen at any yaw with a TP-GAN checkpoint (gansharp train tpgan).
            The local pathways crop patches around the face's landmarks: give them with --landmarks, or estimate
            them with --landmark-net.

            Examples:
              gansharp frontalize --checkpoint runs/tpgan face.png --out front.png --landmark-net nets/landmarks.ckpt
              gansharp frontalize --checkpoint runs/tpgan face.png --out front.png --landmarks 20,30,35,30,30,40,22,48,36,48
            """);
        cmd.Arguments.Add(input);
        foreach (var o in new Option[] { checkpoint, outFile, landmarks, landmarkNet }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            string path = p.GetValue(outFile)!, inPath = p.GetValue(input)!;
            if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"--out must name a .png file (got '{path}')");
            string? lmText = p.GetValue(landmarks), lmNetPath = p.GetValue(landmarkNet);
            if ((lmText is null) == (lmNetPath is null))
                throw new ArgumentException("frontalize needs the face's landmarks: pass either --landmarks x0,y0,...,x4,y4 or --landmark-net FILE (not both)");
            var given = lmText is null ? null : ParseLandmarks(lmText);
            TorchRuntime.EnsureLoaded();
            using var sampler = Sampler.Load(p.GetValue(checkpoint)!);
            if (sampler.System is not TpGanSystem system)
                throw new ArgumentException($"'{p.GetValue(checkpoint)}' is a {sampler.Options.Model} checkpoint: frontalize needs a tpgan run (gansharp train tpgan)");
            int size = system.Generator.Size, channels = (int)system.ExampleShape[0];
            using var pixels = ImageTensor.Load(inPath, channels);                  // ImageException names the file
            if (pixels.shape[1] != size || pixels.shape[2] != size)
                throw new ArgumentException($"{inPath} is {pixels.shape[2]}×{pixels.shape[1]}, but this model frontalizes {size}×{size} faces: resize or crop the face to {size}×{size}");
            using var scope = NewDisposeScope();
            var x = pixels.unsqueeze(0).to_type(ScalarType.Float32).div(127.5).sub(1);
            Tensor lm;
            if (given is not null)
            {
                if (given.Any(v => v < 0 || v >= size))
                    throw new ArgumentException($"--landmarks must lie inside the {size}×{size} image (got {lmText})");
                lm = tensor(given).reshape(1, 5, 2);
            }
            else
            {
                using var net = FaceNets.LoadLandmarks(lmNetPath!);
                if (net.Size != size) throw new ArgumentException($"landmark regressor '{lmNetPath}' takes {net.Size}×{net.Size} faces, but this model {size}×{size}");
                lm = net.Predict(x);
            }
            var y = system.FrontalizeEval(x, lm);
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null) Directory.CreateDirectory(dir);
            ImageTensor.SavePng(path, ImageTensor.ToBytes(y.add(1).mul(127.5)).squeeze(0));
            var shown = string.Join(",", lm.flatten().data<float>().ToArray().Select(v => v.ToString("F1", CultureInfo.InvariantCulture)));
            Console.WriteLine($"wrote {path} ({size}×{size}) from {inPath} with tpgan step {sampler.Step}; landmarks {(given is null ? "estimated" : "given")}: {shown}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Ten comma-separated numbers: the five (x, y) landmarks.</summary>
    public static float[] ParseLandmarks(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]))
                throw new ArgumentException($"--landmarks takes 10 numbers x0,y0,...,x4,y4; '{parts[i]}' is not a number");
        if (values.Length != 10)
            throw new ArgumentException($"--landmarks takes 10 numbers x0,y0,...,x4,y4 (5 landmarks), got {values.Length}");
        return values;
    }
}
