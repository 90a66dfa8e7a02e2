using GanSharp.Data;
using GanSharp.Imaging;
using static TorchSharp.torch;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// CUB-200-2011 birds and Oxford-102 flowers with captions, in the layout of Reed et al. 2016's released data
/// (also used by StackGAN, Zhang et al. 2017):
/// <code>
/// ROOT/text_c10/&lt;class&gt;/&lt;image&gt;.txt       one caption per line (10 per image in the release)
/// ROOT/images/&lt;class&gt;/&lt;image&gt;.jpg         CUB (also ROOT/CUB_200_2011/images/..., StackGAN's birds folder)
/// ROOT/jpg/&lt;image&gt;.jpg                    Oxford-102 (also ROOT/images/&lt;image&gt;.jpg)
/// ROOT/trainvalclasses.txt, testclasses.txt   class folder names, one per line (Reed's class split)
/// </code>
/// or, instead of the class split files, StackGAN's <c>ROOT/train/filenames.pickle</c> and <c>test/filenames.pickle</c>
/// (a pickled list of <c>&lt;class&gt;/&lt;image&gt;</c>; read without executing anything) or their plain-text form
/// <c>ROOT/train/filenames.txt</c> and <c>ROOT/test/filenames.txt</c>, one <c>&lt;class&gt;/&lt;image&gt;</c> per line
/// (convert with
/// <c>python -c "import pickle;print('\n'.join(pickle.load(open('train/filenames.pickle','rb'),encoding='latin1')))" &gt; train/filenames.txt</c>).
/// A split's filenames.txt wins over its filenames.pickle, and both over the class split files. Images are centre-cropped to a square and resized
/// (no bounding-box crop). Labels are the class's index among the sorted class folders of text_c10, so train and test
/// agree; "attributes" is the class (N×1), so a wrong caption comes from another class.
/// </summary>
public static class CaptionFolder
{
    public const int DefaultMaxTokens = 64;
    static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png"];

    /// <summary>
    /// Loads <paramref name="split"/> ("train" or "test") of the folder at <paramref name="root"/> at
    /// <paramref name="size"/>×<paramref name="size"/> RGB. <paramref name="vocabulary"/> defaults to one built from the
    /// training split's captions (words seen at least <paramref name="minWordCount"/> times, captions cut to
    /// <paramref name="maxTokens"/> tokens); pass the model's own vocabulary to encode with it.
    /// </summary>
    public static TensorDataset Load(string root, string split, int size, Vocabulary? vocabulary = null, int minWordCount = 1,
        int maxTokens = DefaultMaxTokens, Action<string>? log = null)
    {
        if (size is < 4 or > 1024) throw new DataException($"image size {size} is out of range: use 4 to 1024 (e.g. 64)");
        if (!Directory.Exists(root))
            throw new DataException($"caption folder {root} does not exist: pass the CUB-200 or Oxford-102 folder with text_c10/ and images/");
        var textDir = Path.Combine(root, "text_c10");
        if (!Directory.Exists(textDir))
            throw new DataException($"{root} has no text_c10 folder: it needs text_c10/<class>/<image>.txt caption files (Reed et al.'s layout)");
        var classes = Directory.GetDirectories(textDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var classIndex = classes.Select((c, i) => (c!, i)).ToDictionary(p => p.Item1, p => p.i, StringComparer.Ordinal);

        var entries = Entries(root, split, textDir);
        var captions = entries.Select(e => ReadCaptions(Path.Combine(textDir, e.Class, e.Image + ".txt"))).ToList();
        if (vocabulary is null)
        {
            var trainCaptions = split == "train" ? captions
                : Entries(root, "train", textDir).Select(e => ReadCaptions(Path.Combine(textDir, e.Class, e.Image + ".txt"))).ToList();
            vocabulary = Vocabulary.Build(trainCaptions.SelectMany(c => c), minWordCount, maxTokens);
            log?.Invoke($"vocabulary: {vocabulary.Count} tokens from {trainCaptions.Count} training images");
        }

        int n = entries.Count, k = captions.Max(c => c.Count);
        var pixels = new byte[(long)n * 3 * size * size];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            var (cls, image) = entries[i];
            if (!classIndex.TryGetValue(cls, out int label))
                throw new DataException($"{root}: {split} lists class {cls}, which has no folder in {textDir}");
            labels[i] = label;
            var path = FindImage(root, cls, image);
            var (hwc, w, h, _) = ImageFile.Load(path, 3);
            ImageFolder.CropResize(hwc, w, h, 3, size).CopyTo(pixels, (long)i * 3 * size * size);
        }
        log?.Invoke($"{split}: {n} images of {classes.Count} classes, up to {k} captions each");
        var fields = CaptionFields.Build(captions.Select(c => (IReadOnlyList<long[]>)c.Select(vocabulary.EncodeLenient).ToList()).ToList(),
            vocabulary.MaxLength, k);
        fields[CaptionFields.Attributes] = tensor(labels, [n, 1]); // cpu: data and evaluation on the CPU
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)));
        return new TensorDataset($"{name}-{split}", tensor(pixels, [n, 3, size, size]), tensor(labels), classes.Count, fields, // cpu: data and evaluation on the CPU
            new Dictionary<string, object> { [CaptionFields.VocabularyKey] = vocabulary });
    }

    /// <summary>The (class folder, image name without extension) pairs of a split, in file order.</summary>
    static List<(string Class, string Image)> Entries(string root, string split, string textDir)
    {
        if (split is not ("train" or "test"))
            throw new DataException($"unknown split '{split}' for caption folder {root}: use train or test");
        var list = Path.Combine(root, split, "filenames.txt");
        var pickle = Path.Combine(root, split, "filenames.pickle");
        IEnumerable<string>? lines = File.Exists(list) ? File.ReadLines(list)
            : File.Exists(pickle) ? PickledStrings.Read(pickle, $"write it as {list} (one <class>/<image> per line) with " +
                $"python -c \"import pickle;print('\\n'.join(pickle.load(open('{pickle}','rb'),encoding='latin1')))\" > {list}")
            : null;
        string source = File.Exists(list) ? list : pickle;
        if (lines is not null)
        {
            var entries = new List<(string, string)>();
            foreach (var (line, number) in lines.Select((l, i) => (l.Trim(), i + 1)))
            {
                if (line.Length == 0) continue;
                int slash = line.Replace('\\', '/').LastIndexOf('/');
                if (slash <= 0 || slash == line.Length - 1)
                    throw new DataException($"{source} entry {number}: '{line}' is not <class>/<image>");
                var image = line[(slash + 1)..];
                if (ImageExtensions.Contains(Path.GetExtension(image).ToLowerInvariant())) image = Path.GetFileNameWithoutExtension(image);
                entries.Add((line[..slash].Replace('\\', '/'), image));
            }
            if (entries.Count == 0) throw new DataException($"{source} lists no images: write one <class>/<image> per line");
            return entries;
        }
        var classFile = new[] { split == "train" ? "trainvalclasses.txt" : "testclasses.txt", split == "train" ? "trainclasses.txt" : "testclasses.txt" }
            .Select(f => Path.Combine(root, f)).FirstOrDefault(File.Exists);
        if (classFile is not null)
        {
            var result = new List<(string, string)>();
            foreach (var cls in File.ReadLines(classFile).Select(l => l.Trim()).Where(l => l.Length > 0))
            {
                var dir = Path.Combine(textDir, cls);
                if (!Directory.Exists(dir))
                    throw new DataException($"{classFile} lists class {cls}, but {dir} does not exist: the caption files are text_c10/<class>/<image>.txt");
                result.AddRange(Directory.GetFiles(dir, "*.txt").Select(f => Path.GetFileNameWithoutExtension(f)!).Order(StringComparer.Ordinal).Select(img => (cls, img)));
            }
            if (result.Count == 0) throw new DataException($"{classFile} names no class with caption files");
            return result;
        }
        throw new DataException($"{root} has no {split} split: add {list} (one <class>/<image> per line) or " +
            $"{(split == "train" ? "trainvalclasses.txt" : "testclasses.txt")} (one class folder per line)");
    }

    static List<string> ReadCaptions(string path)
    {
        if (!File.Exists(path))
            throw new DataException($"caption file {path} is missing: every listed image needs text_c10/<class>/<image>.txt with one caption per line");
        var lines = File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0) throw new DataException($"caption file {path} holds no caption: write one caption per line");
        return lines;
    }

    static string FindImage(string root, string cls, string image)
    {
        var dirs = new[] { Path.Combine(root, "images", cls), Path.Combine(root, "CUB_200_2011", "images", cls), Path.Combine(root, "jpg"), Path.Combine(root, "images") };
        foreach (var dir in dirs)
            foreach (var ext in ImageExtensions)
            {
                var path = Path.Combine(dir, image + ext);
                if (File.Exists(path)) return path;
            }
        throw new DataException($"no image for {cls}/{image}: looked for {Path.Combine(root, "images", cls, image + ".jpg")} (CUB) and {Path.Combine(root, "jpg", image + ".jpg")} (Oxford-102), also .jpeg/.png");
    }
}

/// <summary>`--data caption-folder --data-dir ROOT`: a CUB-200 / Oxford-102 folder in Reed et al.'s layout (<see cref="CaptionFolder"/>).</summary>
public sealed class CaptionFolderProvider : IDatasetProvider
{
    public string Name => "caption-folder";

    public string Description => "CUB-200 / Oxford-102 with captions (--data-dir ROOT holding text_c10/, images/ or jpg/, and trainvalclasses.txt/testclasses.txt or train|test/filenames.txt)";

    public TensorDataset Open(DatasetOpenOptions options, Action<string>? log) =>
        CaptionFolder.Load(options.DataDir ?? throw new DataException("caption-folder needs --data-dir ROOT: the folder with text_c10/ and the images"),
            options.Split, options.Size, log: log);
}
