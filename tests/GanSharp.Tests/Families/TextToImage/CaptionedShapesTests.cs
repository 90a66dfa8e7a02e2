using System.Text.RegularExpressions;
using GanSharp.Data;
using GanSharp.Families.TextToImage;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.TextToImage;

public class CaptionedShapesTests
{
    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.equal(b).all().item<bool>();

    [Fact]
    public void SameSeedSameDataAndPrefixesAgree()
    {
        using var a = CaptionedShapes.Generate(12, 16, seed: 4);
        using var b = CaptionedShapes.Generate(12, 16, seed: 4);
        using var prefix = CaptionedShapes.Generate(5, 16, seed: 4);
        using var other = CaptionedShapes.Generate(12, 16, seed: 5);
        Assert.Equal(new long[] { 12, 3, 16, 16 }, a.Data.shape);
        Assert.Equal(ScalarType.Byte, a.Data.dtype);
        Assert.True(Same(a.Data, b.Data));
        foreach (var k in a.ExtraFields.Keys) Assert.True(Same(a.ExtraFields[k], b.ExtraFields[k]), k);
        Assert.True(Same(a.Data.narrow(0, 0, 5), prefix.Data));
        Assert.True(Same(a.ExtraFields[CaptionFields.Captions].narrow(0, 0, 5), prefix.ExtraFields[CaptionFields.Captions]));
        Assert.False(Same(a.Data, other.Data));
    }

    [Fact]
    public void FieldsHaveTheDocumentedShapes()
    {
        using var d = CaptionedShapes.Generate(6, 32, seed: 1, captionsPerImage: 3);
        var f = d.ExtraFields;
        Assert.Equal(new long[] { 6, CaptionedShapes.MaxTokens }, f[BatchFields.Text].shape);
        Assert.Equal(ScalarType.Bool, f[BatchFields.TextMask].dtype);
        Assert.Equal(new long[] { 6, 3, CaptionedShapes.MaxTokens }, f[CaptionFields.Captions].shape);
        Assert.Equal(new long[] { 6, CaptionedShapes.AttributeCount }, f[CaptionFields.Attributes].shape);
        Assert.Equal(new long[] { 3, 3, 3, 3, 3, 3 }, f[CaptionFields.CaptionCount].data<long>().ToArray());
        Assert.True(Same(f[BatchFields.Text], f[CaptionFields.Captions].select(1, 0)));
        Assert.True(Same(f[BatchFields.TextMask], f[BatchFields.Text].ne(0)));
        Assert.Same(CaptionedShapes.Vocabulary, CaptionFields.VocabularyOf(d));
        Assert.Null(d.Labels);
        // The stored ids decode to the captions Captions() describes.
        var vocab = CaptionedShapes.Vocabulary;
        var captions = CaptionedShapes.Captions(1, "train", 2, 3);
        for (int k = 0; k < 3; k++)
            Assert.Equal(string.Join(' ', Vocabulary.Tokenize(captions[k])), vocab.Decode(f[CaptionFields.Captions][2, k].data<long>().ToArray()));
    }

    // Finds the values a caption names, longest phrase first, so "top left corner" is one position, not "top" + "left".
    static List<(string Kind, int Value)> Mentions(string caption)
    {
        var phrases = new List<(string Phrase, string Kind, int Value)>();
        void Add(string kind, string[][] words) { for (int v = 0; v < words.Length; v++) foreach (var w in words[v]) phrases.Add((w, kind, v)); }
        Add("shape", CaptionedShapes.ShapeWords); Add("colour", CaptionedShapes.ColourWords); Add("size", CaptionedShapes.SizeWords);
        Add("position", CaptionedShapes.PositionWords); Add("background", CaptionedShapes.BackgroundWords);
        var found = new List<(int At, string Kind, int Value)>();
        var text = caption;
        foreach (var (phrase, kind, value) in phrases.OrderByDescending(p => p.Phrase.Length))
            foreach (Match m in Regex.Matches(text, $@"(?<![\w-]){Regex.Escape(phrase)}(?![\w-])"))
            {
                found.Add((m.Index, kind, value));
                text = text[..m.Index] + new string('#', m.Length) + text[(m.Index + m.Length)..];
            }
        return found.OrderBy(f => f.At).Select(f => (f.Kind, f.Value)).ToList();
    }

    [Fact]
    public void EveryCaptionNamesEveryAttributeOfTheScene()
    {
        var seen = new HashSet<string>();
        for (int i = 0; i < 60; i++)
        {
            var scene = CaptionedShapes.Scene(7, "train", i);
            foreach (var caption in CaptionedShapes.Captions(7, "train", i, 5))
            {
                seen.Add(caption);
                var m = Mentions(caption);
                int[] Of(string kind) => m.Where(x => x.Kind == kind).Select(x => x.Value).Order().ToArray();
                Assert.Equal(new[] { scene.Background }, Of("background"));
                Assert.Equal(scene.Objects.Select(o => o.Shape).Order(), Of("shape"));
                Assert.Equal(scene.Objects.Select(o => o.Colour).Order(), Of("colour"));
                Assert.Equal(scene.Objects.Select(o => o.Size).Order(), Of("size"));
                Assert.Equal(scene.Objects.Select(o => o.Position).Order(), Of("position"));
                Assert.True(Vocabulary.Tokenize(caption).Count <= CaptionedShapes.MaxTokens);
            }
        }
        Assert.True(seen.Count > 250, $"only {seen.Count} distinct captions of 300");  // varied templates and synonyms
    }

    [Fact]
    public void HeldOutPairsOnlyInTheHeldOutSplit()
    {
        for (int i = 0; i < 400; i++)
        {
            foreach (var split in new[] { "train", "test" })
                Assert.DoesNotContain(CaptionedShapes.Scene(3, split, i).Objects, o => CaptionedShapes.IsHeldOut(o.Shape, o.Colour));
            Assert.Contains(CaptionedShapes.Scene(3, "heldout", i).Objects, o => CaptionedShapes.IsHeldOut(o.Shape, o.Colour));
        }
        Assert.Equal(5, CaptionedShapes.HeldOut.Select(h => h.Colour).Distinct().Count());
        // Train and test differ as streams.
        Assert.NotEqual(Enumerable.Range(0, 20).Select(i => CaptionedShapes.Scene(3, "train", i)), Enumerable.Range(0, 20).Select(i => CaptionedShapes.Scene(3, "test", i)));
    }

    [Fact]
    public void ScenesAreWellFormedAndVaried()
    {
        var scenes = Enumerable.Range(0, 500).Select(i => CaptionedShapes.Scene(11, "train", i)).ToList();
        foreach (var s in scenes)
        {
            Assert.InRange(s.Objects.Count, 1, 2);
            Assert.Equal(s.Objects.Select(o => o.Position).Distinct().Count(), s.Objects.Count);
            Assert.True(s.Objects.Select(o => o.Position).SequenceEqual(s.Objects.Select(o => o.Position).Order()));
        }
        Assert.Equal(5, scenes.SelectMany(s => s.Objects).Select(o => o.Shape).Distinct().Count());
        Assert.Equal(8, scenes.SelectMany(s => s.Objects).Select(o => o.Colour).Distinct().Count());
        Assert.Equal(9, scenes.SelectMany(s => s.Objects).Select(o => o.Position).Distinct().Count());
        Assert.Equal(4, scenes.Select(s => s.Background).Distinct().Count());
        Assert.InRange(scenes.Count(s => s.Objects.Count == 2), 200, 300);
    }

    [Fact]
    public void PixelsShowTheObjectsAtTheirCellsOnTheBackground()
    {
        using var d = CaptionedShapes.Generate(30, 48, seed: 2);
        var attrs = d.ExtraFields[CaptionFields.Attributes];
        var bg = new byte[][] { [15, 15, 15], [245, 245, 245], [128, 128, 128], [110, 75, 45] };
        var fg = new byte[][] { [220, 30, 30], [255, 140, 0], [250, 220, 30], [40, 170, 60], [0, 200, 220], [30, 70, 230], [140, 50, 200], [255, 120, 190] };
        int blended = 0;
        for (int i = 0; i < 30; i++)
        {
            var a = attrs[i].data<long>().ToArray();
            var px = d.Data[i];
            byte[] At(int x, int y) => px[TensorIndex.Colon, y, x].data<byte>().ToArray();
            var occupied = new HashSet<long>();
            for (int s = 0; s < a[0]; s++)
            {
                long pos = a[CaptionedShapes.IndexOf(s, 3)];
                occupied.Add(pos);
                // The cell's centre pixel is wholly inside the object (jitter is at most 5% of a cell).
                Assert.Equal(fg[a[CaptionedShapes.IndexOf(s, 1)]], At((int)(pos % 3) * 16 + 8, (int)(pos / 3) * 16 + 8));
            }
            // Corners of the image lie outside every object.
            Assert.Equal(bg[a[1]], At(0, 0));
            Assert.Equal(bg[a[1]], At(47, 47));
            // Anti-aliased edges: some pixels are neither the background nor an object colour.
            var flat = px.permute(1, 2, 0).reshape(-1, 3);
            for (int p = 0; p < flat.shape[0]; p++)
            {
                var c = flat[p].data<byte>().ToArray();
                if (!c.SequenceEqual(bg[a[1]]) && !fg.Any(f => f.SequenceEqual(c))) { blended++; break; }
            }
        }
        Assert.Equal(30, blended);
    }

    [Fact]
    public void CacheRoundTripsBitForBitAndRegeneratesADamagedFile()
    {
        using var dir = new TestUtil.TempDir();
        var log = new List<string>();
        using var fresh = CaptionedShapes.Load(8, 16, 9, "heldout", dir.Path, log.Add);
        Assert.Contains(log, l => l.StartsWith("stored "));
        using var cached = CaptionedShapes.Load(8, 16, 9, "heldout", dir.Path, log.Add);
        Assert.Contains(log, l => l.StartsWith("using cached "));
        Assert.True(Same(fresh.Data, cached.Data));
        foreach (var k in fresh.ExtraFields.Keys) Assert.True(Same(fresh.ExtraFields[k], cached.ExtraFields[k]), k);
        Assert.Equal("shapes-heldout", cached.Name);

        var file = Directory.GetFiles(Path.Combine(dir.Path, "shapes"), "*.bin").Single();
        Assert.Contains("seed9-heldout-n8-s16", file);
        var bytes = File.ReadAllBytes(file);
        bytes[200] ^= 0xFF;
        File.WriteAllBytes(file, bytes);
        log.Clear();
        using var again = CaptionedShapes.Load(8, 16, 9, "heldout", dir.Path, log.Add);
        Assert.Contains(log, l => l.Contains("damaged") && l.Contains(file));
        Assert.True(Same(fresh.Data, again.Data));
        // Another key is another file.
        using var larger = CaptionedShapes.Load(8, 32, 9, "heldout", dir.Path);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(dir.Path, "shapes"), "*.bin").Length);
    }

    [Fact]
    public void ProviderIsRegisteredAndChecksItsOptions()
    {
        Assert.True(Datasets.Providers.ContainsKey("shapes"));
        using var dir = new TestUtil.TempDir();
        using var d = Datasets.Open("shapes", new DatasetOpenOptions { Count = 4, Size = 16, Seed = 1, Split = "test", CacheDir = dir.Path });
        Assert.Equal(4, d.Count);
        Assert.Contains(CaptionFields.Captions, d.Fields);
        Assert.Throws<DataException>(() => Datasets.Open("shapes", new DatasetOpenOptions { Count = 4, Size = 16, Split = "valid", CacheDir = dir.Path }));
        Assert.Throws<DataException>(() => Datasets.Open("shapes", new DatasetOpenOptions { Count = 4, Size = 8, CacheDir = dir.Path }));
    }

    [Fact]
    public void PickCaptionDrawsAValidCaptionPerRow()
    {
        var captions = arange(2 * 3 * 2).reshape(2, 3, 2).add(1);       // ids 1..12, no padding
        var count = tensor(new long[] { 1, 3 });
        var picked = new HashSet<long>();
        using var g = new Generator(5);
        for (int t = 0; t < 40; t++)
        {
            var (text, mask) = CaptionFields.PickCaption(captions, count, g);
            Assert.Equal(new long[] { 1, 2 }, text[0].data<long>().ToArray()); // the only caption of row 0
            picked.Add(text[1, 0].item<long>());
            Assert.True(mask.all().item<bool>());
        }
        Assert.Equal(new long[] { 7, 9, 11 }, picked.Order());
    }
}
