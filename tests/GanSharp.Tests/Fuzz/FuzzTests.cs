using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Imaging;
using GanSharp.Runs;
using GanSharp.Training;
using StbImageWriteSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace GanSharp.Tests.Fuzz;

/// <summary>
/// Random truncation, bit flips and hostile header values for every reader of user files: the image decoders'
/// wrapper, the IDX reader, the checkpoint reader, sweep files, config files and a run's options.json. Fast: 300
/// cases a target; Slow: 20,000. Counts go to the test output and $TMP/gansharp-fuzz-counts.txt.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    private const long KiB = 1024, MiB = 1024 * 1024;

    // ---------------- IDX ----------------

    private static byte[] IdxImages(int count, int rows, int cols)
    {
        var b = new byte[16 + count * rows * cols];
        BinaryPrimitives.WriteInt32BigEndian(b, Idx.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(12), cols);
        for (int i = 16; i < b.Length; i++) b[i] = (byte)(i * 7);
        return b;
    }

    private static byte[] IdxLabels(int count)
    {
        var b = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(b, Idx.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), count);
        for (int i = 8; i < b.Length; i++) b[i] = (byte)(i % 10);
        return b;
    }

    private static byte[] Gzip(byte[] raw)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }

    private Fuzzer.Outcome FuzzIdx(int cases)
    {
        byte[] images = IdxImages(4, 5, 6), labels = IdxLabels(12);
        byte[][] seeds = [images, labels, Gzip(images), Gzip(labels)];
        (int, int, bool)[] imageFields = [(0, 4, true), (4, 4, true), (8, 4, true), (12, 4, true)];
        (int, int, bool)[] labelFields = [(0, 4, true), (4, 4, true)];
        var outcome = Fuzzer.Run("IDX reader", cases, seed: 11,
            rng =>
            {
                int which = rng.Next(seeds.Length);
                var input = Fuzzer.Mutate(rng, seeds[which], which switch { 0 => imageFields, 1 => labelFields, _ => null });
                // Half the time, a hostile raw header inside a valid gzip stream.
                return which < 2 && rng.Next(2) == 0 ? Gzip(input) : input;
            },
            input =>
            {
                try
                {
                    Idx.ReadImages(new MemoryStream(input), "fuzz-images");
                }
                catch (DataException e) when (e.Message.Contains("that is an IDX labels file", StringComparison.Ordinal))
                {
                    Idx.ReadLabels(new MemoryStream(input), "fuzz-labels");
                }
            },
            e => e is DataException,
            input => 2 * MiB + 1100L * input.Length);
        output.WriteLine(outcome.ToString());
        return outcome;
    }

    [Fact]
    public void IdxReaderSurvivesCorruptInput() => Assert.Equal(Fuzzer.FastCases, FuzzIdx(Fuzzer.FastCases).Cases);

    [Fact]
    [Trait("Category", "Slow")]
    public void IdxReaderSurvivesCorruptInputLong() => Assert.Equal(Fuzzer.SlowCases, FuzzIdx(Fuzzer.SlowCases).Cases);

    // ---------------- images ----------------

    private static byte[] Encode(Action<ImageWriter, byte[], Stream> write, int w, int h, int c)
    {
        var pixels = Enumerable.Range(0, w * h * c).Select(i => (byte)(i * 37)).ToArray();
        var ms = new MemoryStream();
        write(new ImageWriter(), pixels, ms);
        return ms.ToArray();
    }

    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>Recomputes every PNG chunk CRC that can be found, so the mutation reaches the decoder itself.</summary>
    private static byte[] FixPngCrcs(byte[] png)
    {
        int pos = 8;
        while (pos + 12 <= png.Length)
        {
            uint len = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            if (len > png.Length || pos + 12L + len > png.Length) break;
            uint c = 0xFFFFFFFFu;
            foreach (var b in png.AsSpan(pos + 4, 4 + (int)len)) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
            BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(pos + 8 + (int)len), c ^ 0xFFFFFFFFu);
            pos += 12 + (int)len;
        }
        return png;
    }

    private Fuzzer.Outcome FuzzImages(int cases)
    {
        const int W = 6, H = 5;
        byte[][] seeds =
        [
            Encode((w, p, s) => w.WritePng(p, W, H, StbImageWriteSharp.ColorComponents.RedGreenBlue, s), W, H, 3),
            Encode((w, p, s) => w.WritePng(p, W, H, StbImageWriteSharp.ColorComponents.Grey, s), W, H, 1),
            Encode((w, p, s) => w.WriteBmp(p, W, H, StbImageWriteSharp.ColorComponents.RedGreenBlue, s), W, H, 3),
            Encode((w, p, s) => w.WriteTga(p, W, H, StbImageWriteSharp.ColorComponents.RedGreenBlueAlpha, s), W, H, 4),
            Encode((w, p, s) => w.WriteJpg(p, W, H, StbImageWriteSharp.ColorComponents.RedGreenBlue, s, 90), W, H, 3),
        ];
        (int, int, bool)[][] fields =
        [
            [(16, 4, true), (20, 4, true), (24, 1, true), (25, 1, true), (8, 4, true)], // PNG: IHDR width, height, depth, colour type; chunk length
            [(16, 4, true), (20, 4, true), (24, 1, true), (25, 1, true), (8, 4, true)],
            [(2, 4, false), (10, 4, false), (14, 4, false), (18, 4, false), (22, 4, false), (28, 2, false), (30, 4, false)], // BMP header
            [(12, 2, false), (14, 2, false), (16, 1, false), (2, 1, false)], // TGA width, height, bpp, type
            [],
        ];
        using var tmp = new TestUtil.TempDir();
        string path = Path.Combine(tmp.Path, "fuzz.img");
        var outcome = Fuzzer.Run("image decoders (ImageFile.Load)", cases, seed: 12,
            rng =>
            {
                int which = rng.Next(seeds.Length);
                var input = Fuzzer.Mutate(rng, seeds[which], fields[which].Length > 0 ? fields[which] : null);
                return which < 2 && rng.Next(4) != 0 ? FixPngCrcs(input) : input;
            },
            input =>
            {
                File.WriteAllBytes(path, input);
                ImageFile.Load(path);
                ImageFile.Load(path, desiredChannels: 3);
            },
            e => e is ImageException,
            // ImageFile.Load refuses more than 4096 pixels per file byte (+ 65536): RGBA output, a copy, the file.
            input => 4 * MiB + 2 * 4 * (4096L * input.Length + 65536) + 2L * input.Length);
        output.WriteLine(outcome.ToString());
        return outcome;
    }

    [Fact]
    public void ImageDecodersSurviveCorruptInput() => Assert.Equal(Fuzzer.FastCases, FuzzImages(Fuzzer.FastCases).Cases);

    [Fact]
    [Trait("Category", "Slow")]
    public void ImageDecodersSurviveCorruptInputLong() => Assert.Equal(Fuzzer.SlowCases, FuzzImages(Fuzzer.SlowCases).Cases);

    [Fact]
    public void PngClaimingAHugeImageIsRefusedBeforeDecoding()
    {
        var png = Encode((w, p, s) => w.WritePng(p, 6, 5, StbImageWriteSharp.ColorComponents.Grey, s), 6, 5, 1);
        // 2e8 pixels: under stb_image's own limit (2^30 bytes), over ImageFile.MaxPixels.
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), 20_000);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), 10_000);
        using var tmp = new TestUtil.TempDir();
        string path = Path.Combine(tmp.Path, "huge.png");
        File.WriteAllBytes(path, FixPngCrcs(png));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ImageException>(() => ImageFile.Load(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < MiB);
        Assert.Equal($"image file {path} claims 20000x10000 pixels, more than the {ImageFile.MaxPixels} accepted: the file is corrupt, or resize it first", e.Message);
    }

    // ---------------- checkpoints ----------------

    /// <summary>A small valid checkpoint and the offsets of its integer fields (json length, count, per tensor: name length, dtype, rank, dims, byte count).</summary>
    private static (byte[] File, List<(int, int, bool)> Fields) SeedCheckpoint(string dir)
    {
        string path = Path.Combine(dir, "seed.ckpt");
        using (var a = arange(6, float32).reshape(2, 3))
        using (var b = tensor(new long[] { 1, -2, 3, 4 }))
        using (var c = ones(new long[] { 1, 2, 2, 2 }, ScalarType.Byte))
        using (var d = tensor(2.5))
            CheckpointFile.Save(path, new JsonObject { ["family"] = "dcgan", ["step"] = 3, ["options"] = new JsonObject { ["z-dim"] = 8 } },
                [("G.weight", a), ("D.steps", b), ("mask", c), ("scalar", d)]);
        byte[] file = File.ReadAllBytes(path);
        var fields = new List<(int, int, bool)>();
        int pos = 8;
        fields.Add((pos, 4, false));
        pos += 4 + BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(pos));
        fields.Add((pos, 4, false));
        int count = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(pos));
        pos += 4;
        for (int i = 0; i < count; i++)
        {
            fields.Add((pos, 4, false));
            pos += 4 + BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(pos));
            fields.Add((pos, 4, false)); // dtype
            fields.Add((pos + 4, 4, false)); // rank
            int rank = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(pos + 4));
            pos += 8;
            for (int k = 0; k < rank; k++, pos += 8) fields.Add((pos, 8, false));
            fields.Add((pos, 8, false)); // byte count
            pos += 8 + (int)BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(pos));
        }
        Assert.Equal(file.Length - 32, pos); // the walk matches the layout
        return (file, fields);
    }

    private static byte[] Reseal(byte[] body)
    {
        if (body.Length < 32) return body;
        var b = (byte[])body.Clone();
        SHA256.HashData(b.AsSpan(0, b.Length - 32)).CopyTo(b, b.Length - 32);
        return b;
    }

    private Fuzzer.Outcome FuzzCheckpoints(int cases)
    {
        using var tmp = new TestUtil.TempDir();
        var (seed, fields) = SeedCheckpoint(tmp.Path);
        string path = Path.Combine(tmp.Path, "fuzz.ckpt");
        var outcome = Fuzzer.Run("checkpoint reader", cases, seed: 13,
            rng =>
            {
                var input = Fuzzer.Mutate(rng, seed, fields);
                // Mostly re-sealed with a valid checksum: a foreign or hostile file, not only a damaged one.
                return rng.Next(4) != 0 ? Reseal(input) : input;
            },
            input =>
            {
                File.WriteAllBytes(path, input);
                var (_, tensors) = CheckpointFile.Load(path);
                foreach (var t in tensors.Values) t.Dispose();
            },
            e => e is CheckpointException,
            input => 2 * MiB + 8L * input.Length);
        output.WriteLine(outcome.ToString());
        return outcome;
    }

    [Fact]
    public void CheckpointReaderSurvivesCorruptInput() => Assert.Equal(Fuzzer.FastCases, FuzzCheckpoints(Fuzzer.FastCases).Cases);

    [Fact]
    [Trait("Category", "Slow")]
    public void CheckpointReaderSurvivesCorruptInputLong() => Assert.Equal(Fuzzer.SlowCases, FuzzCheckpoints(Fuzzer.SlowCases).Cases);

    [Theory]
    [InlineData(0, 8, 100L << 30, "needs")]             // a 100 GB tensor in a 1 KB file
    [InlineData(0, 0, -1, "negative dimension")]
    [InlineData(0, -1, 0, "rank -1")]
    [InlineData(0, -2, 0, "unknown dtype")]
    [InlineData(1, 0, int.MaxValue, "header length")]
    [InlineData(2, 0, int.MaxValue, "tensor count")]
    public void HostileCheckpointHeaderIsRefusedBeforeAllocating(int kind, int field, long value, string expected)
    {
        using var tmp = new TestUtil.TempDir();
        var (seed, fields) = SeedCheckpoint(tmp.Path);
        var bytes = (byte[])seed.Clone();
        // fields: [json length, count, then per tensor: name length, dtype, rank, dims..., byte count]
        // First tensor "G.weight" is float32 [2, 3]: dtype at fields[3], rank fields[4], dims fields[5..6], bytes fields[7].
        switch (kind, field)
        {
            case (0, 8): // dims 1e6 x ~1e5 and a byte count to match: 100 GB claimed
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(fields[5].Item1), 1_000_000);
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(fields[6].Item1), value / 4 / 1_000_000);
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(fields[7].Item1), value / 4 / 1_000_000 * 1_000_000 * 4);
                break;
            case (0, 0): BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(fields[5].Item1), value); break;
            case (0, -1): BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(fields[4].Item1), (int)value - 1); break;
            case (0, -2): BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(fields[3].Item1), 77); break;
            case (1, _): BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(fields[0].Item1), (int)value); break;
            case (2, _): BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(fields[1].Item1), (int)value); break;
        }
        string path = Path.Combine(tmp.Path, "hostile.ckpt");
        File.WriteAllBytes(path, Reseal(bytes));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Load(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 * bytes.Length + 256 * KiB, "allocated beyond the file's size");
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }

    // ---------------- sweep, config and options.json ----------------

    private static readonly string[] SweepSeeds =
    [
        File.ReadAllText(Path.Combine(RepoRoot(), "sweeps", "ring-grid.json")),
        """{ "name": "g", "base": { "preset": "mlp-ring", "steps": 100, "batches": "joint" }, "grid": { "d-steps": [1, 5], "g-loss": ["nonsaturating", "minimax"] }, "seeds": [1, 2, 3], "metrics": ["modes"], "eval-samples": 100 }""",
    ];

    private static string RepoRoot() => TestUtil.RepoRoot();

    private Fuzzer.Outcome FuzzSweeps(int cases)
    {
        var outcome = Fuzzer.Run("sweep JSON (SweepSpec.Parse)", cases, seed: 14,
            rng => Encoding.UTF8.GetBytes(Fuzzer.MutateJson(rng, SweepSeeds[rng.Next(SweepSeeds.Length)])),
            input => SweepSpec.Parse(Encoding.UTF8.GetString(input), "fuzz.json"),
            e => e is ArgumentException,
            input => 32 * MiB + 400L * input.Length);
        output.WriteLine(outcome.ToString());
        return outcome;
    }

    [Fact]
    public void SweepParserSurvivesCorruptInput() => Assert.Equal(Fuzzer.FastCases, FuzzSweeps(Fuzzer.FastCases).Cases);

    [Fact]
    [Trait("Category", "Slow")]
    public void SweepParserSurvivesCorruptInputLong() => Assert.Equal(Fuzzer.SlowCases, FuzzSweeps(Fuzzer.SlowCases).Cases);

    [Fact]
    public void SweepWithAnExplodingGridIsRefused()
    {
        string axis = "[" + string.Join(",", Enumerable.Range(1, 10)) + "]";
        string json = $$"""{ "name": "big", "base": { "preset": "mlp-ring" }, "grid": { "d-steps": {{axis}}, "steps": {{axis}}, "batch": {{axis}}, "z-dim": {{axis}}, "width-g": {{axis}}, "width-d": {{axis}} } }""";
        var e = Assert.Throws<ArgumentException>(() => SweepSpec.Parse(json, "big.json"));
        Assert.Contains("1000000 jobs", e.Message);
    }

    private const string ConfigSeed = """{ "model": "dcgan", "data": "mnist", "steps": 100, "batch": 16, "lr-g": 0.0002, "betas-g": [0.5, 0.999], "loss": "hinge", "z-dim": 32, "pack": 2, "real-label": 0.9 }""";

    /// <summary>A --config file as TrainCommand reads it: JSON object (else its clear error), then the option layers.</summary>
    private static void ReadConfig(string text)
    {
        JsonObject? config;
        try { config = JsonNode.Parse(text)?.AsObject(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { throw new ArgumentException($"config file is not a JSON object ({e.Message})"); }
        OptionLayers.Resolve(null, config, null);
    }

    private Fuzzer.Outcome FuzzConfigs(int cases)
    {
        var outcome = Fuzzer.Run("config JSON (OptionLayers.Resolve)", cases, seed: 15,
            rng => Encoding.UTF8.GetBytes(Fuzzer.MutateJson(rng, ConfigSeed)),
            input => ReadConfig(Encoding.UTF8.GetString(input)),
            e => e is ArgumentException,
            input => 16 * MiB + 400L * input.Length);
        output.WriteLine(outcome.ToString());
        return outcome;
    }

    [Fact]
    public void ConfigReaderSurvivesCorruptInput() => Assert.Equal(Fuzzer.FastCases, FuzzConfigs(Fuzzer.FastCases).Cases);

    [Fact]
    [Trait("Category", "Slow")]
    public void ConfigReaderSurvivesCorruptInputLong() => Assert.Equal(Fuzzer.SlowCases, FuzzConfigs(Fuzzer.SlowCases).Cases);

    private Fuzzer.Outcome FuzzRunOptions(int cases)
    {
        using var tmp = new TestUtil.TempDir();
        var run = RunDirectory.Create(tmp.Path, "run");
        run.WriteOptions(TestUtil.TinyMlp(), 1);
        string seed = File.ReadAllText(run.OptionsPath);
        var outcome = Fuzzer.Run("options.json (RunDirectory.ReadOptions)", cases, seed: 16,
            rng => Encoding.UTF8.GetBytes(Fuzzer.MutateJson(rng, seed)),
            input =>
            {
                File.WriteAllBytes(run.OptionsPath, input);
                RunDirectory.Open(run.Root).ReadOptions();
            },
            e => e is ArgumentException,
            input => 16 * MiB + 400L * input.Length);
        output.WriteLine(outcome.ToString());
        return outcome;
    }

    [Fact]
    public void RunOptionsReaderSurvivesCorruptInput() => Assert.Equal(Fuzzer.FastCases, FuzzRunOptions(Fuzzer.FastCases).Cases);

    [Fact]
    [Trait("Category", "Slow")]
    public void RunOptionsReaderSurvivesCorruptInputLong() => Assert.Equal(Fuzzer.SlowCases, FuzzRunOptions(Fuzzer.SlowCases).Cases);

    // ---------------- safetensors ----------------

    private Fuzzer.Outcome FuzzSafeTensors(int cases)
    {
        using var tmp = new TestUtil.TempDir();
        string seedPath = Path.Combine(tmp.Path, "seed.safetensors");
        using (var a = arange(6, float32).reshape(2, 3))
        using (var b = tensor(new long[] { 1, -2, 3, 4 }))
        using (var c = ones(new long[] { 1, 2, 2 }, ScalarType.Byte))
            GanSharp.Interop.SafeTensors.Save(seedPath, [("g.weight", a), ("steps", b), ("mask", c)], new Dictionary<string, string> { ["format"] = "pt" });
        byte[] seed = File.ReadAllBytes(seedPath);
        int headerLength = (int)BinaryPrimitives.ReadInt64LittleEndian(seed);
        string header = Encoding.UTF8.GetString(seed, 8, headerLength);
        byte[] data = seed[(8 + headerLength)..];
        string path = Path.Combine(tmp.Path, "fuzz.safetensors");
        var outcome = Fuzzer.Run("safetensors reader", cases, seed: 17,
            rng =>
            {
                if (rng.Next(2) == 0) return Fuzzer.Mutate(rng, seed, [(0, 8, false)]);
                // A hostile JSON header (offsets, shapes, dtypes) with a consistent length prefix.
                byte[] json = Encoding.UTF8.GetBytes(Fuzzer.MutateJson(rng, header));
                var file = new byte[8 + json.Length + data.Length];
                BinaryPrimitives.WriteInt64LittleEndian(file, json.Length);
                json.CopyTo(file, 8);
                data.CopyTo(file, 8 + json.Length);
                return file;
            },
            input =>
            {
                File.WriteAllBytes(path, input);
                var (tensors, _) = GanSharp.Interop.SafeTensors.Load(path);
                foreach (var t in tensors.Values) t.Dispose();
            },
            e => e is GanSharp.Interop.SafeTensorsException,
            input => 2 * MiB + 8L * input.Length);
        output.WriteLine(outcome.ToString());
        return outcome;
    }

    [Fact]
    public void SafeTensorsReaderSurvivesCorruptInput() => Assert.Equal(Fuzzer.FastCases, FuzzSafeTensors(Fuzzer.FastCases).Cases);

    [Fact]
    [Trait("Category", "Slow")]
    public void SafeTensorsReaderSurvivesCorruptInputLong() => Assert.Equal(Fuzzer.SlowCases, FuzzSafeTensors(Fuzzer.SlowCases).Cases);
}
