using GanSharp.Data;
using GanSharp.Families.TextToImage;
using GanSharp.Imaging;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.TextToImage;

public class CaptionFolderTests
{
    static readonly string[] Classes = ["001.Black_footed_Albatross", "002.Laysan_Albatross", "003.Sooty_Albatross"];

    /// <summary>A CUB-style folder: 3 classes × 2 images (solid colour per class, 12×8 so the crop matters), 2-3 captions each.</summary>
    static void MakeCub(string root, bool classSplit = true, bool flatJpg = false)
    {
        byte[][] colours = [[200, 0, 0], [0, 200, 0], [0, 0, 200]];
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < 2; i++)
            {
                var image = $"{Classes[c][4..]}_{i:D4}";
                var pixels = new byte[8 * 12 * 3];
                for (int p = 0; p < 8 * 12; p++) colours[c].CopyTo(pixels, p * 3);
                ImageFile.SavePng(flatJpg ? Path.Combine(root, "jpg", image + ".png") : Path.Combine(root, "images", Classes[c], image + ".png"), pixels, 12, 8, 3);
                Directory.CreateDirectory(Path.Combine(root, "text_c10", Classes[c]));
                var lines = Enumerable.Range(0, 2 + i).Select(k => $"This bird {k} is {(c == 2 ? "sooty" : "white")} with a long beak.");
                File.WriteAllText(Path.Combine(root, "text_c10", Classes[c], image + ".txt"), string.Join("\n", lines) + "\n\n");
            }
        if (classSplit)
        {
            File.WriteAllLines(Path.Combine(root, "trainvalclasses.txt"), [Classes[0], Classes[1]]);
            File.WriteAllLines(Path.Combine(root, "testclasses.txt"), [Classes[2]]);
        }
    }

    [Fact]
    public void ReedLayoutWithClassSplits()
    {
        using var dir = new TestUtil.TempDir();
        MakeCub(dir.Path);
        using var train = CaptionFolder.Load(dir.Path, "train", 4);
        Assert.Equal(new long[] { 4, 3, 4, 4 }, train.Data.shape);
        Assert.Equal(new long[] { 0, 0, 1, 1 }, train.Labels!.data<long>().ToArray());
        Assert.Equal(3, train.NumClasses);
        Assert.Equal(new long[] { 2, 3, 2, 3 }, train.ExtraFields[CaptionFields.CaptionCount].data<long>().ToArray());
        Assert.Equal(new long[] { 4, 3, CaptionFolder.DefaultMaxTokens }, train.ExtraFields[CaptionFields.Captions].shape);
        Assert.True(train.ExtraFields[CaptionFields.Attributes].squeeze(1).equal(train.Labels!).all().item<bool>());
        // Solid colours survive crop and resize; the third caption row of a 2-caption image is padding.
        Assert.Equal(new byte[] { 0, 200, 0 }, train.Data[2, TensorIndex.Colon, 1, 3].data<byte>().ToArray());
        Assert.Equal(0, train.ExtraFields[CaptionFields.Captions][0, 2].count_nonzero().item<long>());
        var vocab = CaptionFields.VocabularyOf(train);
        Assert.Equal("this bird 1 is white with a long beak .", vocab.Decode(train.ExtraFields[CaptionFields.Captions][1, 1].data<long>().ToArray()));

        // The test split uses the training vocabulary: "sooty" is unknown there; its label is its class index.
        using var test = CaptionFolder.Load(dir.Path, "test", 4);
        Assert.Equal(new long[] { 2, 2 }, test.Labels!.data<long>().ToArray());
        Assert.Equal(new byte[] { 0, 0, 200 }, test.Data[0, TensorIndex.Colon, 0, 0].data<byte>().ToArray());
        Assert.Equal("this bird 0 is <unk> with a long beak .", CaptionFields.VocabularyOf(test).Decode(test.ExtraFields[BatchFields.Text][0].data<long>().ToArray()));
        Assert.Equal(vocab.Tokens, CaptionFields.VocabularyOf(test).Tokens);
    }

    [Fact]
    public void PlainTextFilenamesAndOxfordFlatImages()
    {
        using var dir = new TestUtil.TempDir();
        MakeCub(dir.Path, classSplit: false, flatJpg: true);
        Directory.CreateDirectory(Path.Combine(dir.Path, "train"));
        Directory.CreateDirectory(Path.Combine(dir.Path, "test"));
        File.WriteAllLines(Path.Combine(dir.Path, "train", "filenames.txt"), [$"{Classes[2]}/Sooty_Albatross_0001", "", $"{Classes[0]}/Black_footed_Albatross_0000.jpg"]);
        File.WriteAllLines(Path.Combine(dir.Path, "test", "filenames.txt"), [$"{Classes[1]}/Laysan_Albatross_0000"]);
        using var train = CaptionFolder.Load(dir.Path, "train", 6, minWordCount: 4, maxTokens: 5);
        Assert.Equal(new long[] { 2, 0 }, train.Labels!.data<long>().ToArray());
        Assert.Equal(new long[] { 3, 2 }, train.ExtraFields[CaptionFields.CaptionCount].data<long>().ToArray());
        Assert.Equal(5, CaptionFields.VocabularyOf(train).MaxLength);
        // "sooty" is in 3 captions, "this" in 5: a minimum count of 4 keeps only the latter.
        Assert.DoesNotContain("sooty", CaptionFields.VocabularyOf(train).Tokens);
        Assert.Contains("this", CaptionFields.VocabularyOf(train).Tokens);
        using var test = Datasets.Open("caption-folder", new DatasetOpenOptions { DataDir = dir.Path, Split = "test", Size = 6 });
        Assert.Equal(1, test.Count);
        Assert.Equal(new long[] { 1 }, test.Labels!.data<long>().ToArray());
    }

    [Fact]
    public void MissingCaptionFileIsOneErrorNamingIt()
    {
        using var dir = new TestUtil.TempDir();
        MakeCub(dir.Path);
        var missing = Path.Combine(dir.Path, "text_c10", Classes[1], "Laysan_Albatross_0001.txt");
        Directory.CreateDirectory(Path.Combine(dir.Path, "train"));
        File.WriteAllLines(Path.Combine(dir.Path, "train", "filenames.txt"), [$"{Classes[1]}/Laysan_Albatross_0001"]);
        File.Delete(missing);
        var e = Assert.Throws<DataException>(() => CaptionFolder.Load(dir.Path, "train", 4));
        Assert.Contains(missing, e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void OtherLayoutProblemsAreClearErrors()
    {
        using var dir = new TestUtil.TempDir();
        Assert.Contains("text_c10", Assert.Throws<DataException>(() => CaptionFolder.Load(dir.Path, "train", 4)).Message);
        MakeCub(dir.Path, classSplit: false);
        Assert.Contains("trainvalclasses.txt", Assert.Throws<DataException>(() => CaptionFolder.Load(dir.Path, "train", 4)).Message);
        Directory.CreateDirectory(Path.Combine(dir.Path, "train"));
        File.WriteAllBytes(Path.Combine(dir.Path, "train", "filenames.pickle"), [0x80, 2]);
        Assert.Contains("python -c", Assert.Throws<DataException>(() => CaptionFolder.Load(dir.Path, "train", 4)).Message);
        File.WriteAllLines(Path.Combine(dir.Path, "train", "filenames.txt"), [$"{Classes[0]}/NoSuchBird_0001"]);
        File.WriteAllText(Path.Combine(dir.Path, "text_c10", Classes[0], "NoSuchBird_0001.txt"), "a bird\n");
        Assert.Contains("no image for", Assert.Throws<DataException>(() => CaptionFolder.Load(dir.Path, "train", 4)).Message);
        Assert.Throws<DataException>(() => Datasets.Open("caption-folder", new DatasetOpenOptions()));
    }
}
