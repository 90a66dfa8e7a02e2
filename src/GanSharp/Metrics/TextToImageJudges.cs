using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Families.TextToImage;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// The judges of the text-to-image metrics on captioned shapes, trained on real images the GANs never saw (their own
/// data seed) and cached beside the feature statistics: the <see cref="AttributeClassifier"/> of caption consistency
/// and classifier-FID, and a joint text/image embedding for R-precision, trained separately from (and with another
/// seed than) any encoder that conditions a generator. Every model is judged at one resolution,
/// <see cref="Side"/>; images of other sides are resized (<see cref="AttributeClassifierTrainer.Resize"/>).
/// </summary>
public static class TextToImageJudges
{
    public const int Side = 32;
    public const long DataSeed = 424_242;
    public const int TrainImages = 20_000;
    public const int ClassifierSteps = 3000;
    public const long ClassifierSeed = 7;
    public const int EmbeddingSteps = 2000;
    public const long EmbeddingSeed = 99;
    const int Version = 1;

    /// <summary>
    /// Version of the R-precision judge: 2 trains with hard negatives (<see cref="JointEmbeddingOptions.HardNegatives"/>),
    /// since version 1's embedding was at chance on colour and shape (docs/text-to-image.md, Diagnosis 2).
    /// </summary>
    const int EmbeddingVersion = 2;

    /// <summary>Real captioned shapes of the judges' seed at <see cref="Side"/>: "train", "test" (seen combinations) or "heldout".</summary>
    public static TensorDataset Shapes(string split, int count, Action<string>? log, string? cacheRoot = null) =>
        CaptionedShapes.Load(count, Side, DataSeed, split, cacheRoot, log);

    /// <summary>The attribute classifier, from the cache when it holds one made with these settings, else trained (and cached).</summary>
    public static AttributeClassifier AttributeClassifier(string? cacheDir, Action<string>? log)
    {
        var header = new JsonObject { ["judge"] = "shapes-attributes", ["version"] = Version, ["side"] = Side, ["data-seed"] = DataSeed, ["images"] = TrainImages, ["steps"] = ClassifierSteps, ["seed"] = ClassifierSeed };
        string? path = cacheDir is null ? null : Path.Combine(cacheDir, $"judge-shapes-attributes-v{Version}-s{Side}.ckpt");
        var model = new AttributeClassifier(Side);
        if (TryLoad(path, header, log, tensors => Trainer.LoadModule(model, "C.", tensors)))
        {
            model.eval();
            return model;
        }
        model.Dispose();
        log?.Invoke($"training the shapes attribute classifier ({ClassifierSteps} steps on {TrainImages} real images; cached afterwards)");
        using var data = Shapes("train", TrainImages, log);
        model = AttributeClassifierTrainer.Train(data, ClassifierSteps, ClassifierSeed,
            progress: (step, loss) => { if ((step + 1) % 500 == 0) log?.Invoke($"attribute classifier step {step + 1}/{ClassifierSteps}: loss {loss:F4}"); });
        Save(path, header, model.state_dict().Select(kv => ("C." + kv.Key, kv.Value)), log);
        return model;
    }

    /// <summary>The R-precision judge: a text and an image encoder trained jointly on real shapes (cached like the classifier).</summary>
    public static (TextEncoder Text, ImageEncoder Image) RPrecisionJudge(string? cacheDir, Action<string>? log)
    {
        var settings = new JointEmbeddingOptions { BatchSize = 64, HardNegatives = true };
        var header = new JsonObject { ["judge"] = "shapes-r-precision", ["version"] = EmbeddingVersion, ["side"] = Side, ["data-seed"] = DataSeed, ["images"] = TrainImages, ["steps"] = EmbeddingSteps, ["seed"] = EmbeddingSeed, ["hard-negatives"] = settings.HardNegatives };
        string? path = cacheDir is null ? null : Path.Combine(cacheDir, $"judge-shapes-embedding-v{EmbeddingVersion}-s{Side}.ckpt");
        var text = new TextEncoder(CaptionedShapes.Vocabulary.Count, settings.EmbeddingDim, settings.WordDim, settings.HiddenDim, settings.TextEncoder);
        var image = new ImageEncoder(Side, 3, settings.EmbeddingDim, settings.ImageWidth);
        if (TryLoad(path, header, log, tensors => { Trainer.LoadModule(text, "T.", tensors); Trainer.LoadModule(image, "I.", tensors); }))
        {
            text.eval();
            image.eval();
            return (text, image);
        }
        text.Dispose();
        image.Dispose();
        log?.Invoke($"training the R-precision judge ({EmbeddingSteps} steps on {TrainImages} real images; cached afterwards)");
        using var data = Shapes("train", TrainImages, log);
        var trained = JointEmbeddingTrainer.Train(data, EmbeddingSteps, EmbeddingSeed, settings,
            (step, loss) => { if ((step + 1) % 500 == 0) log?.Invoke($"judge embedding step {step + 1}/{EmbeddingSteps}: loss {loss:F4}"); });
        Save(path, header, trained.Text.state_dict().Select(kv => ("T." + kv.Key, kv.Value))
            .Concat(trained.Image.state_dict().Select(kv => ("I." + kv.Key, kv.Value))), log);
        return (trained.Text, trained.Image);
    }

    private static bool TryLoad(string? path, JsonObject header, Action<string>? log, Action<IReadOnlyDictionary<string, Tensor>> load)
    {
        if (path is null || !File.Exists(path)) return false;
        try
        {
            var (saved, tensors) = CheckpointFile.Load(path);
            try
            {
                if (!JsonNode.DeepEquals(saved["settings"], header)) { log?.Invoke($"ignoring {path}: made with other settings"); return false; }
                load(tensors);
                log?.Invoke($"using cached judge {path}");
                return true;
            }
            finally
            {
                foreach (var t in tensors.Values) t.Dispose();
            }
        }
        catch (CheckpointException e)
        {
            log?.Invoke($"ignoring damaged judge cache ({e.Message})");
            return false;
        }
    }

    private static void Save(string? path, JsonObject header, IEnumerable<(string, Tensor)> tensors, Action<string>? log)
    {
        if (path is null) return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        CheckpointFile.Save(path, new JsonObject { ["settings"] = header.DeepClone() }, tensors.ToList());
        log?.Invoke($"cached judge {path}");
    }

    /// <summary>
    /// One caption per image of <paramref name="data"/> (caption i mod K of image i, so every template appears) as
    /// token ids (int64 N×L).
    /// </summary>
    public static Tensor CaptionPerImage(TensorDataset data)
    {
        using var scope = NewDisposeScope();
        var captions = data.ExtraFields[CaptionFields.Captions];
        var count = data.ExtraFields[CaptionFields.CaptionCount];
        var k = arange(data.Count).remainder(count);
        long l = captions.shape[2];
        return captions.gather(1, k.view(-1, 1, 1).expand(-1, 1, l)).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>Images the model draws for the captions (token ids), in chunks, with latents from <paramref name="generator"/>.</summary>
    public static Tensor Generate(GanSystem system, Tensor ids, Generator generator)
    {
        var chunks = new List<Tensor>();
        for (long i = 0; i < ids.shape[0]; i += 250)
        {
            using var scope = NewDisposeScope();
            var part = ids.narrow(0, i, Math.Min(250, ids.shape[0] - i));
            // The captions go to the model's device; the images come back to the CPU, where the judges run.
            chunks.Add(SampleGrids.Sample(system, system.SampleLatent(part.shape[0], generator), part.On(system.Device)).OnCpu().MoveToOuterDisposeScope());
        }
        return cat(chunks, 0);
    }

    /// <summary>Why a caption metric does not apply to this system, or null.</summary>
    public static string? NotApplicable(EvalContext ctx)
    {
        if (ctx.System is not ITextToImage t2i) return "it needs a text-to-image model (gan-cls, stackgan)";
        if (ctx.System.Options.Data != "shapes") return $"it needs a model trained on captioned shapes (--data shapes), not '{ctx.System.Options.Data}'";
        if (!t2i.Vocabulary.Tokens.SequenceEqual(CaptionedShapes.Vocabulary.Tokens)) return "the model's vocabulary is not the shapes vocabulary";
        return null;
    }
}
