using GanSharp.Data;
using GanSharp.Families.TextToImage;
using GanSharp.Imaging;
using GanSharp.Metrics;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.TextToImage;

/// <summary>A one-step gan-cls run on the fixture's text encoder, for the text2img command.</summary>
public sealed class GanClsRunFixture : IDisposable
{
    private readonly PretrainedEncoderFixture _encoder = new();

    public GanClsRunFixture()
    {
        var o = new GanOptions { Model = GanClsFamily.ModelName, Data = "shapes", Size = 16, Steps = 1, Batch = 8, Threads = 1, ZDim = 8, WidthG = 4, WidthD = 4, SampleEvery = 1000, SampleCount = 16 };
        o.Set("embedding-dim", 16);
        o.Set("text-encoder", _encoder.Path);
        using var data = TextToImageFamilyTests.Shapes(32, 16);
        using (var run = TrainingRun.Create(o, data, _encoder.Root, "cls")) Assert.True(run.Run());
        Run = Path.Combine(_encoder.Root, "cls");
    }

    public string Run { get; }
    public string Encoder => _encoder.Path;
    public string Root => _encoder.Root;

    public void Dispose() => _encoder.Dispose();
}

/// <summary>`gansharp text2img` (captions in, a grid out, one clear line for a bad caption) and the caption metrics' wiring.</summary>
public sealed class Text2ImgAndMetricTests(GanClsRunFixture fixture) : IClassFixture<GanClsRunFixture>
{
    private string Out(string name) => Path.Combine(fixture.Root, name);

    [Fact]
    public void OneCaptionGivesAGridAndItsLegend()
    {
        var (code, stdout, stderr) = TestUtil.RunCli("text2img", "--checkpoint", fixture.Run, "a large red circle on the left on a white background", "--count", "4", "--out", Out("one.png"));
        Assert.True(code == 0, stderr);
        Assert.Contains("wrote", stdout);
        var (_, w, h, _) = ImageFile.Load(Out("one.png"));
        Assert.Equal(w, h);                                                // a 2×2 grid of 16 px images, drawn at 2×
        Assert.InRange(w, 2 * 2 * 16, 2 * 2 * 16 + 16);
        Assert.Equal(["row 1: a large red circle on the left on a white background"], File.ReadAllLines(Out("one.txt")));
    }

    [Fact]
    public void CaptionFilesGiveOneRowEachAndInterpolationOneRow()
    {
        File.WriteAllLines(Out("captions.txt"), ["a small red circle at the top left on a black background", "", "  a big blue square in the middle . the background is white  "]);
        var (code, _, stderr) = TestUtil.RunCli("text2img", "--checkpoint", fixture.Run, "--captions", Out("captions.txt"), "--count", "3", "--out", Out("rows.png"));
        Assert.True(code == 0, stderr);
        Assert.Equal(2, File.ReadAllLines(Out("rows.txt")).Length);
        (code, _, stderr) = TestUtil.RunCli("text2img", "--checkpoint", fixture.Run, "--interpolate", "a small red circle at the top", "a large blue square at the bottom", "--count", "5", "--out", Out("walk.png"));
        Assert.True(code == 0, stderr);
        Assert.Single(File.ReadAllLines(Out("walk.txt")));
        var (_, w, h, _) = ImageFile.Load(Out("walk.png"));
        Assert.True(w > 4 * h, $"one row of 5: {w}×{h}");
    }

    [Theory]
    [InlineData("", "the caption is empty")]
    [InlineData("zebra xylophone !", "has no word the model knows (unknown: zebra, xylophone, !)")]
    [InlineData("a red circle , a red circle , a red circle , a red circle , a red circle , a red circle , a red circle , a red circle , a red circle , a red circle , a red circle",
        "has 43 tokens, more than the model's 40: shorten it")]
    public void BadCaptionsAreOneClearLine(string caption, string expected)
    {
        var (code, _, stderr) = TestUtil.RunCli("text2img", "--checkpoint", fixture.Run, caption, "--out", Out("bad.png"));
        Assert.Equal(2, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
    }

    [Theory]
    [InlineData("no caption", "give exactly one of")]
    [InlineData("missing file", "caption file")]
    [InlineData("text-encoder run", "is a text-encoder checkpoint: text2img needs a gan-cls or stackgan run")]
    [InlineData("stages of gan-cls", "--stages shows StackGAN's two stages")]
    public void BadRequestsAreOneClearLine(string what, string expected)
    {
        string[] args = what switch
        {
            "no caption" => ["text2img", "--checkpoint", fixture.Run, "--out", Out("x.png")],
            "missing file" => ["text2img", "--checkpoint", fixture.Run, "--captions", Out("no-such.txt"), "--out", Out("x.png")],
            "text-encoder run" => ["text2img", "--checkpoint", fixture.Encoder, "a red circle", "--out", Out("x.png")],
            _ => ["text2img", "--checkpoint", fixture.Run, "a red circle", "--stages", "--out", Out("x.png")],
        };
        var (code, _, stderr) = TestUtil.RunCli(args);
        Assert.NotEqual(0, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(expected, lines[0]);
    }

    [Fact]
    public void SamplingAGanClsCheckpointWithoutCaptionsSaysToUseText2Img()
    {
        using var sampler = Sampler.Load(fixture.Run);
        var e = Assert.Throws<ArgumentException>(() => sampler.Sample(4, 0));
        Assert.StartsWith("the gan-cls model draws images from captions: use 'gansharp text2img", e.Message);
    }

    /// <summary>A "generator" that draws, for each caption of the judges' shapes, the real image it describes.</summary>
    private sealed class RealImagesForCaptions : GanSystem, ITextToImage
    {
        private readonly Dictionary<string, Tensor> _images = new();

        public RealImagesForCaptions(params TensorDataset[] sources) : base(new GanOptions { Data = "shapes", Size = 32 }, [3, 32, 32])
        {
            foreach (var d in sources)
            {
                var captions = d.ExtraFields[CaptionFields.Captions];
                for (long i = 0; i < d.Count; i++)
                    for (long k = 0; k < captions.shape[1]; k++)
                        _images[Key(captions[i, k])] = d.Gather(tensor(new[] { i })).DetachFromDisposeScope();
            }
        }

        private static string Key(Tensor ids) => string.Join(',', ids.data<long>().ToArray().Where(t => t != 0));
        public Vocabulary Vocabulary => CaptionedShapes.Vocabulary;
        public Tensor EncodeText(Tensor ids) => throw new NotSupportedException();
        public int OutputSize => 32;
        public override Tensor SampleLatent(long n, Generator? generator) => zeros(n, 1);
        public override Tensor Generate(Tensor z, Tensor? condition = null) =>
            cat(Enumerable.Range(0, (int)condition!.shape[0]).Select(i => _images[Key(condition[i])]).ToArray(), 0);
    }

    [Fact]
    public void ACaptionMetricOfRealImagesEqualsTheCeilingIt()
    {
        using var cache = new TestUtil.TempDir();
        const int n = 24;
        using var seen = TextToImageJudges.Shapes("test", n, null, cache.Path);
        using var unseen = TextToImageJudges.Shapes("heldout", n, null, cache.Path);
        using var system = new RealImagesForCaptions(seen, unseen);
        using var train = TextToImageJudges.Shapes("train", 64, null, cache.Path);
        using var classifier = AttributeClassifierTrainer.Train(train, 3, seed: 1, batch: 16);
        var values = CaptionConsistencyMetric.Evaluate(system, classifier, n, seed: 5, cache.Path, null);
        foreach (var split in new[] { "seen", "heldout" })
            foreach (var attribute in new[] { "all", "count", "background", "shape", "colour", "size", "position" })
            {
                Assert.Equal(values[$"real_{split}_{attribute}"], values[$"{split}_{attribute}"]);
                Assert.InRange(values[$"{split}_{attribute}"], 0, 1);
            }
        Assert.InRange(values["fid_attr"], -1e-3, 1e-3);
        // The share of all-match images relative to real's: 1 for the real images themselves (0/0, NaN, when this
        // barely trained classifier reads no real image right). A model whose images never all match gets 0.
        foreach (var split in new[] { "seen", "heldout" })
            Assert.Equal(values[$"real_{split}_all"] > 0 ? 1.0 : double.NaN, values[$"{split}_vs_real"]);

        var (text, image) = (new TextEncoder(CaptionedShapes.Vocabulary.Count, 16, 8, 8), new ImageEncoder(32, 3, 16, 4));
        using (text)
        using (image)
        {
            text.eval();
            image.eval();
            var r = RPrecisionMetric.Evaluate(system, text, image, n, seed: 5, cache.Path, null);
            Assert.Equal(r["real_r_precision"], r["r_precision"]);
            Assert.InRange(r["r_precision"], 0, 1);
        }
    }

    [Fact]
    public void CaptionMetricsApplyOnlyToTextToImageModelsOnShapes()
    {
        var dcgan = TestUtil.TinyDcgan();
        var (g, d) = GanSharp.Families.GanModels.Build(dcgan, [1, 28, 28]);
        using var system = new GanSystem(g, d, dcgan, [1, 28, 28]);
        using var ctx = new EvalContext(system, "mnist", null, null, new EvalSettings());
        Assert.Equal("it needs a text-to-image model (gan-cls, stackgan)", new CaptionConsistencyMetric().NotApplicable(ctx));
        Assert.Equal("it needs a text-to-image model (gan-cls, stackgan)", new RPrecisionMetric().NotApplicable(ctx));
        Assert.Contains("caption-consistency", MetricRegistry.All.Keys);
    }

    [Theory]
    [InlineData(64, 32)]
    [InlineData(16, 32)]
    [InlineData(32, 32)]
    public void JudgedImagesAreResizedToOneResolution(int side, int judged)
    {
        using var x = rand(2, 3, side, side);
        using var y = AttributeClassifierTrainer.Resize(x, judged);
        Assert.Equal(new long[] { 2, 3, judged, judged }, y.shape);
        if (side == 64) Assert.Equal(x[0, 0, TensorIndex.Slice(0, 2), TensorIndex.Slice(0, 2)].mean().item<float>(), y[0, 0, 0, 0].item<float>(), 5);
    }
}
