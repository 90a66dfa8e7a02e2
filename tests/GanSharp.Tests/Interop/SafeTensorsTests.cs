using System.Text;
using GanSharp.Interop;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Interop;

public class SafeTensorsTests
{
    /// <summary>A file from a header string and data bytes, exactly as given (length prefix = header bytes).</summary>
    private static string Write(TestUtil.TempDir tmp, string header, byte[] data, ulong? lengthOverride = null)
    {
        string path = Path.Combine(tmp.Path, Guid.NewGuid().ToString("N") + ".safetensors");
        byte[] h = Encoding.UTF8.GetBytes(header);
        using var fs = File.Create(path);
        fs.Write(BitConverter.GetBytes(lengthOverride ?? (ulong)h.Length));
        fs.Write(h);
        fs.Write(data);
        return path;
    }

    private static SafeTensorsException Rejected(string path) => Assert.Throws<SafeTensorsException>(() => SafeTensors.Load(path));

    [Fact]
    public void ReadsAHandBuiltFile()
    {
        using var tmp = new TestUtil.TempDir();
        var data = new List<byte>();
        data.AddRange(BitConverter.GetBytes(1.5f));
        data.AddRange(BitConverter.GetBytes(-2f));
        data.AddRange(BitConverter.GetBytes(7L));
        data.AddRange(new byte[] { 1, 0 });
        string path = Write(tmp, """
            {"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
             "n":{"dtype":"I64","shape":[],"data_offsets":[8,16]},"b":{"dtype":"BOOL","shape":[1,2],"data_offsets":[16,18]}}
            """, data.ToArray());
        var (t, meta) = SafeTensors.Load(path);
        Assert.Equal("pt", meta["format"]);
        Assert.Equal(new[] { 1.5f, -2f }, t["w"].data<float>().ToArray());
        Assert.Empty(t["n"].shape);
        Assert.Equal(7L, t["n"].item<long>());
        Assert.Equal(new long[] { 1, 2 }, t["b"].shape);
        Assert.Equal(new[] { true, false }, t["b"].data<bool>().ToArray());
        foreach (var x in t.Values) x.Dispose();
    }

    [Fact]
    public void EveryDTypeRoundTripsBitForBit()
    {
        using var tmp = new TestUtil.TempDir();
        using var g = new Generator(11);
        var source = new List<(string, Tensor)>
        {
            ("f32", randn(new long[] { 3, 4 }, generator: g)),
            ("f64", randn(new long[] { 5 }, ScalarType.Float64, generator: g)),
            ("f16", randn(new long[] { 2, 3 }, generator: g).to_type(ScalarType.Float16)),
            ("bf16", randn(new long[] { 7 }, generator: g).to_type(ScalarType.BFloat16)),
            ("i64", randint(-1000, 1000, new long[] { 2, 2 }, ScalarType.Int64, generator: g)),
            ("i32", randint(-1000, 1000, new long[] { 3 }, ScalarType.Int32, generator: g)),
            ("i16", randint(-1000, 1000, new long[] { 3 }, ScalarType.Int16, generator: g)),
            ("i8", randint(-100, 100, new long[] { 3 }, ScalarType.Int8, generator: g)),
            ("u8", randint(0, 256, new long[] { 2, 1, 3 }, ScalarType.Byte, generator: g)),
            ("bool", randint(0, 2, new long[] { 5 }, generator: g).to_type(ScalarType.Bool)),
            ("scalar", tensor(3L)),
            ("empty", zeros(new long[] { 0, 4 })),
            ("transposed", randn(new long[] { 3, 2 }, generator: g).t()), // not contiguous: written in logical order
        };
        string path = Path.Combine(tmp.Path, "all.safetensors");
        SafeTensors.Save(path, source, new Dictionary<string, string> { ["note"] = "héllo" });

        var bytes = File.ReadAllBytes(path);
        ulong n = BitConverter.ToUInt64(bytes, 0);
        Assert.Equal(0UL, (8 + n) % 8); // data 8-byte aligned
        var header = SafeTensors.ReadHeader(path);
        Assert.Equal(source.Select(s => s.Item1), header.Entries.Select(e => e.Name)); // header keeps write order

        var (loaded, meta) = SafeTensors.Load(path);
        Assert.Equal("héllo", meta["note"]);
        Assert.Equal(source.Count, loaded.Count);
        foreach (var (name, t) in source)
        {
            var l = loaded[name];
            Assert.Equal(t.dtype, l.dtype);
            Assert.Equal(t.shape, l.shape);
            Assert.Equal(t.contiguous().bytes.ToArray(), l.bytes.ToArray());
        }
        foreach (var x in loaded.Values.Concat(source.Select(s => s.Item2))) x.Dispose();
    }

    [Fact]
    public void RejectsMalformedFilesWithOneClearError()
    {
        using var tmp = new TestUtil.TempDir();
        var eight = new byte[8];
        const string ok = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";

        string tiny = Path.Combine(tmp.Path, "tiny.safetensors");
        File.WriteAllBytes(tiny, new byte[5]);
        Assert.Contains("shorter than the 8-byte", Rejected(tiny).Message);
        Assert.Contains("beyond the file", Rejected(Write(tmp, ok, eight, lengthOverride: 1_000_000)).Message);
        Assert.Contains("beyond the file", Rejected(Write(tmp, ok, eight, lengthOverride: ulong.MaxValue)).Message);
        Assert.Contains("not valid JSON", Rejected(Write(tmp, """{"a": [1, 2""" + "   ", eight)).Message);
        Assert.Contains("does not start with", Rejected(Write(tmp, "hello world", eight)).Message);
        Assert.Contains("not valid JSON", Rejected(Write(tmp, """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", eight)).Message);
        Assert.Contains("unknown dtype 'F8_E4M3'", Rejected(Write(tmp, """{"a":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}""", eight)).Message);
        Assert.Contains("needs 12 bytes", Rejected(Write(tmp, """{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", eight)).Message);
        Assert.Contains("only 8 bytes", Rejected(Write(tmp, """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", eight)).Message);
        Assert.Contains("overlaps", Rejected(Write(tmp, """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", eight)).Message);
        Assert.Contains("not contiguous", Rejected(Write(tmp, """{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", eight)).Message);
        Assert.Contains("after the last tensor", Rejected(Write(tmp, """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", eight)).Message);
        Assert.Contains("end before they begin", Rejected(Write(tmp, """{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}""", eight)).Message);
        Assert.Contains("not a non-negative integer", Rejected(Write(tmp, """{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", eight)).Message);
        Assert.Contains("must have 2 numbers", Rejected(Write(tmp, """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}""", eight)).Message);
        Assert.Contains("metadata value", Rejected(Write(tmp, """{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", eight)).Message);
        // Absurd sizes are refused from the header alone, before anything is allocated.
        Assert.Contains("absurdly large", Rejected(Write(tmp, """{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}""", eight)).Message);
        Assert.Contains("only 8 bytes", Rejected(Write(tmp, """{"a":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4398046511104]}}""", eight)).Message);
        Assert.Contains("does not exist", Rejected(Path.Combine(tmp.Path, "missing.safetensors")).Message);
    }

    [Fact]
    public void RefusesDuplicateOrReservedNamesAndUnsupportedTypesOnWrite()
    {
        using var tmp = new TestUtil.TempDir();
        string path = Path.Combine(tmp.Path, "x.safetensors");
        using var a = zeros(2);
        Assert.Contains("appears twice", Assert.Throws<SafeTensorsException>(() => SafeTensors.Save(path, new[] { ("a", a), ("a", a) })).Message);
        Assert.Contains("invalid tensor name", Assert.Throws<SafeTensorsException>(() => SafeTensors.Save(path, new[] { ("__metadata__", a) })).Message);
        using var c = zeros(new long[] { 2 }, ScalarType.ComplexFloat32);
        Assert.Contains("cannot be written", Assert.Throws<SafeTensorsException>(() => SafeTensors.Save(path, new[] { ("c", c) })).Message);
        Assert.False(File.Exists(path));
    }
}
