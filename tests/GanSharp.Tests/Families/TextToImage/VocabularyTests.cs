using GanSharp.Data;
using GanSharp.Families.TextToImage;
using Xunit;

namespace GanSharp.Tests.Families.TextToImage;

public class VocabularyTests
{
    [Fact]
    public void TokenizeLowerCasesAndSplitsPunctuation()
    {
        Assert.Equal(["top", "-", "left", ":", "tiny", "crimson", "disc", "!"], Vocabulary.Tokenize("Top-left:  Tiny CRIMSON disc!"));
        Assert.Empty(Vocabulary.Tokenize("  \t\n "));
    }

    [Fact]
    public void BuildOrdersByFrequencyThenOrdinalAndReservesPadAndUnk()
    {
        var v = Vocabulary.Build(["a red circle", "a blue circle", "a red square ."]);
        // a:3, circle:2, red:2, then blue, square, "." once each (ordinal: "." < blue < square).
        Assert.Equal(["<pad>", "<unk>", "a", "circle", "red", ".", "blue", "square"], v.Tokens);
        Assert.Equal(4, v.MaxLength);
        Assert.Equal([2L, 4, 3], v.Encode("A RED circle"));
        Assert.Equal("a red circle", v.Decode([2L, 4, 3, 0, 0]));
        var rare = Vocabulary.Build(["a red circle", "a blue circle"], minCount: 2);
        Assert.Equal(["<pad>", "<unk>", "a", "circle"], rare.Tokens);
    }

    [Fact]
    public void UnknownWordsBecomeUnk()
    {
        var v = Vocabulary.Build(["a red circle"]);
        // Equal counts: ordinal order a, circle, red.
        Assert.Equal([2L, Vocabulary.UnkId, 3], v.Encode("a zebra circle"));
        Assert.Equal(Vocabulary.UnkId, v.IdOf("zebra"));
        Assert.Equal("a <unk> circle", v.Decode(v.Encode("a zebra circle")));
    }

    [Fact]
    public void JsonRoundTripKeepsEveryIdAndTheLength()
    {
        var v = Vocabulary.Build(["top-left: tiny crimson disc", "a small red circle at the top left", "ünïcode wörds ok"], maxLength: 12);
        var back = Vocabulary.FromJson(v.ToJson());
        Assert.Equal(v.Tokens, back.Tokens);
        Assert.Equal(12, back.MaxLength);
        Assert.Equal(v.Encode("a tiny red disc, top-left"), back.Encode("a tiny red disc, top-left"));
        Assert.Equal(v.ToJson(), back.ToJson());
    }

    [Theory]
    [InlineData("{\"format\":\"other\"}")]
    [InlineData("{\"format\":\"gansharp-vocabulary\",\"version\":1,\"max_length\":5,\"tokens\":[\"a\",\"b\"]}")]
    [InlineData("{\"format\":\"gansharp-vocabulary\",\"version\":1,\"max_length\":5,\"tokens\":[\"<pad>\",\"<unk>\",\"a\",\"a\"]}")]
    [InlineData("{\"format\":\"gansharp-vocabulary\",\"version\":1,\"max_length\":0,\"tokens\":[\"<pad>\",\"<unk>\"]}")]
    [InlineData("{\"format\":\"gansharp-vocabulary\",\"version\":9,\"max_length\":5,\"tokens\":[\"<pad>\",\"<unk>\"]}")]
    [InlineData("not json")]
    public void DamagedJsonIsOneDataException(string json)
    {
        var e = Assert.Throws<DataException>(() => Vocabulary.FromJson(json, "run/vocabulary.json"));
        Assert.StartsWith("run/vocabulary.json: ", e.Message);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("zebra giraffe .", "no word the model knows")]
    [InlineData("a red circle a red circle a red circle", "more than the model's 6")]
    public void BadCaptionsThrowOneCaptionException(string caption, string expected)
    {
        var v = Vocabulary.Build(["a red circle ."], maxLength: 6);
        var e = Assert.Throws<CaptionException>(() => v.Encode(caption));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Throws<CaptionException>(() => v.EncodeBatch(["a red circle", caption]));
    }

    [Fact]
    public void EncodeBatchPadsToMaxLengthWithAMask()
    {
        var v = Vocabulary.Build(["a red circle ."], maxLength: 5);
        var (ids, mask) = v.EncodeBatch(["a red circle", "circle ."]);
        Assert.Equal(new long[] { 2, 5 }, ids.shape);
        Assert.Equal(v.Encode("a red circle").Concat([0L, 0]).Concat(v.Encode("circle .")).Concat([0L, 0, 0]), ids.data<long>().ToArray());
        Assert.Equal([true, true, true, false, false, true, true, false, false, false], mask.data<bool>().ToArray());
        Assert.Equal(v.EncodeLenient("a red circle . a red"), v.EncodeLenient("a red circle . a red circle"));
    }
}

/// <summary>The tokenizer round trip on the captions the project generates (issue 13: "the tokenizer round trip").</summary>
public class ShapesVocabularyRoundTripTests
{
    [Fact]
    public void EveryShapesCaptionDecodesToItsTokensAndUnknownWordsAreReadAsUnk()
    {
        var v = CaptionedShapes.Vocabulary;
        int checkedCaptions = 0;
        foreach (var split in new[] { "train", "heldout" })
            for (int i = 0; i < 40; i++)
                foreach (var caption in CaptionedShapes.Captions(11, split, i, 5))
                {
                    var ids = v.Encode(caption);
                    Assert.DoesNotContain(Vocabulary.UnkId, ids);            // the vocabulary covers every word it generates
                    Assert.DoesNotContain(Vocabulary.PadId, ids);
                    Assert.Equal(string.Join(' ', Vocabulary.Tokenize(caption)), v.Decode(ids));
                    Assert.Equal(ids, v.Encode(v.Decode(ids)));               // and back: the decoded text encodes to the same ids
                    checkedCaptions++;
                }
        Assert.Equal(400, checkedCaptions);

        // An unknown word among known ones is <unk> at its place; the rest round-trips unchanged.
        var mixed = v.Encode("a small zebra circle at the top left on a black background");
        Assert.Equal(Vocabulary.UnkId, mixed[2]);
        Assert.Equal(1, mixed.Count(id => id == Vocabulary.UnkId));
        Assert.Equal("a small <unk> circle at the top left on a black background", v.Decode(mixed));
    }
}
