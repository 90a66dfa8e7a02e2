using System.Text;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.IO;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;

namespace GanSharp.Tests.Reporting;

public class TensorBoardTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    [Fact]
    public void Crc32CMatchesTheRfc3720TestVectors()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));           // the usual check value
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));             // RFC 3720 B.4: 32 zero bytes
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x00000000u, Crc32C.Compute(ReadOnlySpan<byte>.Empty));
    }

    // Hand-computed with a bit-by-bit CRC-32C (polynomial 0x82F63B78) written separately in Python:
    // Event{wall_time 1.5, step 3, summary{value{tag "loss_d", simple_value 0.5}}}.
    private const string ScalarEventHex = "09000000000000f83f" + "1003" + "2a0f" + "0a0d" + "0a066c6f73735f64" + "150000003f";
    private const string ScalarRecordHex = "1c00000000000000" + "c8c1951d" + ScalarEventHex + "71988e51";
    // Event{wall_time 1.5, file_version "brain.Event:2"}: length crc 0x224b7fa3, data crc 0x6c64282a.
    private const string VersionEventHex = "09000000000000f83f" + "1a0d627261696e2e4576656e743a32";
    private const string VersionRecordHex = "1800000000000000" + "a37f4b22" + VersionEventHex + "2a28646c";

    [Fact]
    public void AScalarEventAndItsRecordAreTheHandComputedBytes()
    {
        var e = new TensorBoardEvent { WallTime = 1.5, Step = 3 };
        e.Scalars.Add(("loss_d", 0.5f));
        Assert.Equal(ScalarEventHex, Convert.ToHexString(e.Encode()).ToLowerInvariant());
        Assert.Equal(ScalarRecordHex, Convert.ToHexString(TfRecord.Frame(e.Encode())).ToLowerInvariant());
        Assert.Equal(0x1D95C1C8u, Crc32C.Masked(Hex("1c00000000000000")));

        var back = TensorBoardEvent.Decode(Hex(ScalarEventHex));
        Assert.Equal((1.5, 3L, null), (back.WallTime, back.Step, back.FileVersion));
        Assert.Equal(("loss_d", 0.5f), Assert.Single(back.Scalars));
    }

    /// <summary>
    /// An independent writer: TorchSharp's SummaryWriter (Google.Protobuf encoding, native CRC-32C). Its records pass
    /// our CRC checks, and our encoding of the same event is the same bytes, framed the same.
    /// </summary>
    [Fact]
    public void TorchSharpsSummaryWriterRecordsAreTheBytesWeWrite()
    {
        using var tmp = new TestUtil.TempDir();
        var w = TorchSharp.torch.utils.tensorboard.SummaryWriter(tmp.Path);
        w.add_scalar("loss_d", 0.5f, 3, walltime: null);
        w.add_scalar("grad_norm_g", 0.125f, 700, walltime: null);
        string file = Assert.Single(Directory.GetFiles(tmp.Path));
        var records = TfRecord.ReadAll(file);                         // every CRC checked
        Assert.Equal(3, records.Count);
        Assert.Equal(TensorBoardWriter.FileVersion, TensorBoardEvent.Decode(records[0]).FileVersion);
        var framed = new List<byte>();
        foreach (var (payload, (tag, value, step)) in records.Skip(1).Zip(new[] { ("loss_d", 0.5f, 3L), ("grad_norm_g", 0.125f, 700L) }))
        {
            var theirs = TensorBoardEvent.Decode(payload);
            Assert.Equal((step, tag, value), (theirs.Step, theirs.Scalars.Single().Tag, theirs.Scalars.Single().Value));
            var ours = new TensorBoardEvent { WallTime = theirs.WallTime, Step = step };
            ours.Scalars.Add((tag, value));
            Assert.Equal(payload, ours.Encode());
            framed.AddRange(TfRecord.Frame(ours.Encode()));
        }
        byte[] bytes = File.ReadAllBytes(file);
        Assert.Equal(bytes[(TfRecord.Frame(records[0]).Length)..], framed.ToArray());
    }

    [Fact]
    public void StepZeroIsLeftOutAndAZeroScalarIsKept()
    {
        // proto3: a default int64 is not written; a oneof member is, even when 0 (else TensorBoard sees no value).
        var e = new TensorBoardEvent { WallTime = 1.5, Step = 0 };
        e.Scalars.Add(("x", 0f));
        Assert.Equal("09000000000000f83f" + "2a0a" + "0a08" + "0a0178" + "1500000000", Convert.ToHexString(e.Encode()).ToLowerInvariant());
    }

    [Fact]
    public void TheWriterStartsWithTheFileVersionAndFramesEveryEvent()
    {
        using var tmp = new TestUtil.TempDir();
        string path;
        using (var w = new TensorBoardWriter(tmp.Path, clock: () => 1.5))
        {
            w.Scalars(3, new[] { ("loss_d", 0.5f) });
            path = w.FilePath;
            Assert.StartsWith("events.out.tfevents.0000000001.", Path.GetFileName(path));
            // Flushed as written: a reader sees both records while the writer is open.
            Assert.Equal(VersionRecordHex + ScalarRecordHex, Convert.ToHexString(File.ReadAllBytes(path)).ToLowerInvariant());
        }
        var records = TfRecord.ReadAll(path);
        Assert.Equal(2, records.Count);
        Assert.Equal(TensorBoardWriter.FileVersion, TensorBoardEvent.Decode(records[0]).FileVersion);
    }

    [Fact]
    public void ImagesCarryThePngAndItsHeader()
    {
        using var tmp = new TestUtil.TempDir();
        string png = Path.Combine(tmp.Path, "g.png");
        using (var img = TorchSharp.torch.zeros(new long[] { 1, 3, 5, 7 }))
            GanSharp.Imaging.ImageGrid.Save(img, png, nrow: 1, padding: 0, scale: 1);
        byte[] bytes = File.ReadAllBytes(png);
        var (w, h, _) = TensorBoardWriter.PngHeader(bytes);
        Assert.Equal((7, 5), (w, h));

        string path;
        using (var writer = new TensorBoardWriter(tmp.Path, () => 2.0))
        {
            writer.Image(250, "samples", bytes);
            writer.SessionStart(251);
            path = writer.FilePath;
        }
        var events = TfRecord.ReadAll(path).Select(TensorBoardEvent.Decode).ToList();
        var image = Assert.Single(events[1].Images);
        Assert.Equal(("samples", 5, 7), (image.Tag, image.Height, image.Width));
        Assert.InRange(image.Colorspace, 3, 4);                      // RGB or RGBA
        Assert.Equal(bytes, image.Png);
        Assert.Equal(250, events[1].Step);
        Assert.Equal((251L, (int?)TensorBoardEvent.SessionStart), (events[2].Step, events[2].SessionStatus));
        Assert.Throws<InvalidDataException>(() => TensorBoardWriter.PngHeader(Encoding.ASCII.GetBytes("GIF89a not a png at all....")));
    }

    [Fact]
    public void CorruptOrTruncatedRecordsAreRefusedNamingTheOffset()
    {
        using var tmp = new TestUtil.TempDir();
        string path = Path.Combine(tmp.Path, "events.out.tfevents.x");
        byte[] good = Hex(VersionRecordHex + ScalarRecordHex);
        int second = Hex(VersionRecordHex).Length;

        var badData = (byte[])good.Clone();
        badData[second + 20] ^= 1;
        File.WriteAllBytes(path, badData);
        var e = Assert.Throws<InvalidDataException>(() => TfRecord.ReadAll(path));
        Assert.Contains($"record at byte {second} has a bad data CRC", e.Message);

        var badLength = (byte[])good.Clone();
        badLength[second] = 0xFF;
        File.WriteAllBytes(path, badLength);
        Assert.Contains("bad length CRC", Assert.Throws<InvalidDataException>(() => TfRecord.ReadAll(path)).Message);

        File.WriteAllBytes(path, good[..(good.Length - 3)]);
        Assert.Contains("past the end of the file", Assert.Throws<InvalidDataException>(() => TfRecord.ReadAll(path)).Message);
    }

    private static List<TensorBoardEvent> Events(string file) => TfRecord.ReadAll(file).Select(TensorBoardEvent.Decode).ToList();

    [Fact]
    public void TrainingWithTensorboardMirrorsMetricsAndGridsAndResumeStartsANewSession()
    {
        using var tmp = new TestUtil.TempDir();
        using var data = GaussianMixture2D.Ring(256, 1);
        var o = TestUtil.TinyMlp(steps: 8);
        o.LogEvery = 2;
        o.SampleEvery = 4;
        o.CheckpointEvery = 4;
        o.Tensorboard = true;
        string root;
        using (var run = TrainingRun.Create(o, data, tmp.Path, "tb"))
        {
            Assert.True(run.Run());
            root = run.Directory.Root;
        }
        string first = Assert.Single(Directory.GetFiles(root, "events.out.tfevents.*"));
        var events = Events(first);
        Assert.Equal(TensorBoardWriter.FileVersion, events[0].FileVersion);

        var lines = File.ReadLines(Path.Combine(root, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var scalarEvents = events.Where(e => e.Scalars.Count > 0).ToList();
        Assert.Equal(lines.Select(l => (long)l["step"]!.GetValue<int>()), scalarEvents.Select(e => e.Step));
        for (int i = 0; i < lines.Count; i++)
            foreach (var key in new[] { "loss_d", "loss_g", "d_real", "d_fake", "seconds" })
                Assert.Equal((float)lines[i][key]!.GetValue<double>(), scalarEvents[i].Scalars.Single(s => s.Tag == key).Value);

        var images = events.Where(e => e.Images.Count > 0).ToList();
        Assert.Equal(new long[] { 4, 8 }, images.Select(e => e.Step));
        foreach (var e in images)
            Assert.Equal(File.ReadAllBytes(Path.Combine(root, "samples", $"step-{e.Step:D6}.png")), e.Images[0].Png);
        Assert.All(events, e => Assert.InRange(e.WallTime, 1.6e9, 4.1e9)); // seconds since 1970, not .NET ticks

        using (var run = TrainingRun.Resume(root, data, steps: 12))
            Assert.True(run.Run());
        string second = Assert.Single(Directory.GetFiles(root, "events.out.tfevents.*"), f => f != first);
        var resumed = Events(second);
        Assert.Equal(TensorBoardEvent.SessionStart, resumed[1].SessionStatus);
        Assert.Equal(9, resumed[1].Step);                                     // TensorBoard drops older events from step 9 on
        Assert.Equal(new long[] { 10, 12 }, resumed.Where(e => e.Scalars.Count > 0).Select(e => e.Step));
        Assert.Equal(new long[] { 12 }, resumed.Where(e => e.Images.Count > 0).Select(e => e.Step));
    }

    [Fact]
    public void EvaluationsBecomeEvalScalarsAndTheFlagReachesOptionsJson()
    {
        using var tmp = new TestUtil.TempDir();
        var (code, stdout, err) = TestUtil.RunCli("train", "mlp", "--data", "ring", "--steps", "4", "--batch", "32", "--width-g", "8",
            "--width-d", "8", "--log-every", "2", "--sample-every", "4", "--eval-every", "4", "--metrics", "modes", "--eval-samples", "200",
            "--tensorboard", "--out", tmp.Path, "--name", "tb");
        Assert.True(code == 0, stdout + err);
        string root = Path.Combine(tmp.Path, "tb");
        Assert.True(JsonNode.Parse(File.ReadAllText(Path.Combine(root, "options.json")))!["options"]!["tensorboard"]!.GetValue<bool>());
        var events = Events(Assert.Single(Directory.GetFiles(root, "events.out.tfevents.*")));
        var evalLine = File.ReadLines(Path.Combine(root, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).Single(l => l["eval"] is not null);
        var (key, value) = evalLine["eval"]!.AsObject().First(kv => kv.Value is JsonValue);
        var scalar = events.SelectMany(e => e.Scalars.Select(s => (e.Step, s.Tag, s.Value))).Single(s => s.Tag == "eval/" + key);
        Assert.Equal((4L, (float)value!.GetValue<double>()), (scalar.Step, scalar.Value));
    }
}
