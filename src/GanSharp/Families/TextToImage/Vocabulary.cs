using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Data;
using static TorchSharp.torch;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// A caption a model cannot take: empty, longer than the vocabulary's maximum length, or made only of words the
/// vocabulary does not know. The message is one line for the user, quoting the caption and saying what to change.
/// </summary>
public sealed class CaptionException(string message) : Exception(message);

/// <summary>
/// Word-level tokenizer and vocabulary for captions. Tokenizing lower-cases the text, keeps runs of letters and
/// digits as words, makes every other non-space character (punctuation, '-', ':') a token of its own and drops
/// whitespace. Id 0 is <c>&lt;pad&gt;</c> (padding after the last token; a mask is ids ≠ 0) and id 1 is
/// <c>&lt;unk&gt;</c> (a word seen too rarely or never). No begin/end tokens: the encoders read the mask.
/// </summary>
public sealed class Vocabulary
{
    public const string Pad = "<pad>";
    public const string Unk = "<unk>";
    public const long PadId = 0;
    public const long UnkId = 1;
    const int FormatVersion = 1;

    readonly string[] _words;
    readonly Dictionary<string, long> _ids;

    /// <summary><paramref name="words"/> after the two reserved tokens, in id order (ids 2, 3, ...).</summary>
    public Vocabulary(IEnumerable<string> words, int maxLength)
    {
        if (maxLength < 1) throw new ArgumentOutOfRangeException(nameof(maxLength), $"maximum caption length must be positive, got {maxLength}");
        _words = [Pad, Unk, .. words];
        _ids = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < _words.Length; i++)
        {
            var w = _words[i];
            if (string.IsNullOrEmpty(w) || w.Any(char.IsWhiteSpace) || (i >= 2 && (w == Pad || w == Unk)))
                throw new ArgumentException($"'{w}' cannot be a vocabulary word (empty, whitespace or a reserved token)", nameof(words));
            if (!_ids.TryAdd(w, i)) throw new ArgumentException($"word '{w}' appears twice in the vocabulary", nameof(words));
        }
        MaxLength = maxLength;
    }

    /// <summary>Every token, id order: <c>&lt;pad&gt;</c>, <c>&lt;unk&gt;</c>, then the words.</summary>
    public IReadOnlyList<string> Tokens => _words;

    public int Count => _words.Length;

    /// <summary>The longest caption in tokens; the width L of encoded batches.</summary>
    public int MaxLength { get; }

    /// <summary>
    /// The words of <paramref name="captions"/> seen at least <paramref name="minCount"/> times, most frequent first
    /// (ties in ordinal order, so the ids depend only on the captions). <paramref name="maxLength"/> defaults to the
    /// longest caption.
    /// </summary>
    public static Vocabulary Build(IEnumerable<string> captions, int minCount = 1, int? maxLength = null)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        int longest = 0;
        foreach (var c in captions)
        {
            var tokens = Tokenize(c);
            longest = Math.Max(longest, tokens.Count);
            foreach (var t in tokens) counts[t] = counts.GetValueOrDefault(t) + 1;
        }
        var words = counts.Where(kv => kv.Value >= minCount && kv.Key is not (Pad or Unk))
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key);
        return new Vocabulary(words, maxLength ?? Math.Max(1, longest));
    }

    /// <summary>Lower-cased word and punctuation tokens of <paramref name="text"/>.</summary>
    public static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var word = new StringBuilder();
        foreach (var ch in text.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(ch))
            {
                word.Append(ch);
                continue;
            }
            if (word.Length > 0) tokens.Add(word.ToString());
            word.Clear();
            if (!char.IsWhiteSpace(ch) && !char.IsControl(ch)) tokens.Add(ch.ToString());
        }
        if (word.Length > 0) tokens.Add(word.ToString());
        return tokens;
    }

    public bool Contains(string word) => _ids.ContainsKey(word);

    /// <summary>The id of a token (<see cref="UnkId"/> when unknown).</summary>
    public long IdOf(string token) => _ids.TryGetValue(token, out var id) ? id : UnkId;

    /// <summary>
    /// A user's caption as token ids (no padding). Throws <see cref="CaptionException"/> when it is empty, longer
    /// than <see cref="MaxLength"/> tokens, or when none of its words is known.
    /// </summary>
    public long[] Encode(string caption)
    {
        var tokens = Tokenize(caption);
        if (tokens.Count == 0)
            throw new CaptionException("the caption is empty: write a few words, e.g. \"a small red circle at the top left\"");
        if (tokens.Count > MaxLength)
            throw new CaptionException($"the caption \"{Shorten(caption)}\" has {tokens.Count} tokens, more than the model's {MaxLength}: shorten it");
        var ids = tokens.Select(IdOf).ToArray();
        bool anyKnownWord = false;
        for (int i = 0; i < tokens.Count; i++)
            anyKnownWord |= ids[i] != UnkId && tokens[i].Any(char.IsLetterOrDigit);
        if (!anyKnownWord)
        {
            var unknown = tokens.Where((t, i) => ids[i] == UnkId).Take(5);
            throw new CaptionException($"the caption \"{Shorten(caption)}\" has no word the model knows (unknown: {string.Join(", ", unknown)}): use words from its training captions");
        }
        return ids;
    }

    /// <summary>
    /// A dataset caption as token ids, unknown words as <see cref="UnkId"/>, cut to <see cref="MaxLength"/> (data
    /// preparation: never throws).
    /// </summary>
    public long[] EncodeLenient(string caption)
    {
        var tokens = Tokenize(caption);
        return tokens.Take(MaxLength).Select(IdOf).ToArray();
    }

    /// <summary>Captions encoded with <see cref="Encode"/> (each checked) into int64 N×L ids and a bool N×L mask.</summary>
    public (Tensor Ids, Tensor Mask) EncodeBatch(IReadOnlyList<string> captions)
    {
        var ids = new long[captions.Count * MaxLength];
        for (int i = 0; i < captions.Count; i++)
            Encode(captions[i]).CopyTo(ids, i * MaxLength);
        var t = tensor(ids, [captions.Count, MaxLength]); // cpu: data and evaluation on the CPU
        return (t, t.ne(PadId));
    }

    /// <summary>The tokens of <paramref name="ids"/> joined by spaces, padding dropped.</summary>
    public string Decode(IEnumerable<long> ids) =>
        string.Join(' ', ids.Where(i => i != PadId).Select(i => i >= 0 && i < _words.Length ? _words[i] : Unk));

    /// <summary>The vocabulary as JSON (for checkpoints): format version, maximum length and the tokens in id order.</summary>
    public string ToJson()
    {
        var o = new JsonObject
        {
            ["format"] = "gansharp-vocabulary",
            ["version"] = FormatVersion,
            ["max_length"] = MaxLength,
            ["tokens"] = new JsonArray(_words.Select(w => (JsonNode)JsonValue.Create(w)!).ToArray()),
        };
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    /// <summary>Reads <see cref="ToJson"/>'s output; anything else gives a <see cref="DataException"/> naming <paramref name="source"/>.</summary>
    public static Vocabulary FromJson(string json, string source = "vocabulary")
    {
        try
        {
            var o = JsonNode.Parse(json)?.AsObject() ?? throw new DataException($"{source}: not a vocabulary (empty JSON)");
            if ((string?)o["format"] != "gansharp-vocabulary")
                throw new DataException($"{source}: not a GanSharp vocabulary (format is '{o["format"]}'): pass the vocabulary saved with the model");
            if ((int?)o["version"] != FormatVersion)
                throw new DataException($"{source}: vocabulary version {o["version"]} is not {FormatVersion}: use a checkpoint written by this GanSharp");
            var tokens = o["tokens"]?.AsArray().Select(n => (string?)n ?? "").ToList() ?? [];
            if (tokens.Count < 2 || tokens[0] != Pad || tokens[1] != Unk)
                throw new DataException($"{source}: the vocabulary must start with {Pad} and {Unk}");
            return new Vocabulary(tokens.Skip(2), (int?)o["max_length"] ?? 0);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new DataException($"{source}: damaged vocabulary ({e.Message}): pass the vocabulary saved with the model");
        }
    }

    static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
