using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Interop;

/// <summary>A safetensors file that cannot be read or written; the message names the file and what is wrong.</summary>
public sealed class SafeTensorsException(string message) : Exception(message);

/// <summary>One tensor's entry in a safetensors header: dtype, shape and its byte range in the data section.</summary>
public sealed record SafeTensorEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ByteCount => End - Begin;
}

/// <summary>A validated safetensors header: the entries in header order and the optional string metadata.</summary>
public sealed record SafeTensorsHeader(IReadOnlyList<SafeTensorEntry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataStart, long DataLength);

/// <summary>
/// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}} (space-padded), then the
/// raw little-endian tensor bytes, offsets relative to the end of the header. The reader checks every field
/// against the file before it allocates anything: byte ranges must exactly tile the data section (no overlap,
/// no gap, nothing after), so a file is either read whole or refused with one <see cref="SafeTensorsException"/>.
/// No NuGet package fitted (TorchSharp.PyBridge's reader is internal and validates none of this).
/// </summary>
public static class SafeTensors
{
    public const string MetadataKey = "__metadata__";

    /// <summary>The reference implementation refuses headers above 100 MB; so do we (a header is tiny).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private static readonly (string Name, ScalarType Type, int Size)[] DTypes =
    {
        ("F64", ScalarType.Float64, 8), ("F32", ScalarType.Float32, 4), ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2), ("I64", ScalarType.Int64, 8), ("I32", ScalarType.Int32, 4),
        ("I16", ScalarType.Int16, 2), ("I8", ScalarType.Int8, 1), ("U8", ScalarType.Byte, 1), ("BOOL", ScalarType.Bool, 1),
    };

    /// <summary>The safetensors dtypes read and written here.</summary>
    public static IEnumerable<string> SupportedDTypes => DTypes.Select(d => d.Name);

    public static ScalarType ToScalarType(string dtype, string source = "safetensors") =>
        DTypes.FirstOrDefault(d => d.Name == dtype) is { Name: not null } d ? d.Type
            : throw new SafeTensorsException($"{source}: unknown dtype '{dtype}' (supported: {string.Join(", ", SupportedDTypes)})");

    public static string FromScalarType(ScalarType type) =>
        DTypes.FirstOrDefault(d => d.Type == type) is { Name: not null } d ? d.Name
            : throw new SafeTensorsException($"tensors of type {type} cannot be written to safetensors (supported: {string.Join(", ", SupportedDTypes)})");

    private static int ElementSize(string dtype) => DTypes.First(d => d.Name == dtype).Size;

    /// <summary>Reads and validates the header of a safetensors file without reading tensor data.</summary>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        using var fs = OpenRead(path);
        return ReadHeader(fs, path);
    }

    /// <summary>Reads every tensor (CPU, the file's dtypes) and the metadata; any damage gives a <see cref="SafeTensorsException"/>.</summary>
    public static (Dictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Load(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian; this reader needs a little-endian machine");
        using var fs = OpenRead(path);
        var header = ReadHeader(fs, path);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            // Tiled ranges, so reading in offset order is one forward pass over the file.
            foreach (var e in header.Entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
            {
                var t = empty(e.Shape, ToScalarType(e.DType));
                tensors[e.Name] = t.DetachFromDisposeScope();
                if (e.ByteCount == 0) continue;
                if (e.ByteCount > int.MaxValue)
                    throw new SafeTensorsException($"'{path}': tensor '{e.Name}' has {e.ByteCount} bytes; tensors over 2 GiB are not supported");
                fs.Position = header.DataStart + e.Begin;
                fs.ReadExactly(t.bytes);
            }
            return (tensors, header.Metadata);
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw new SafeTensorsException($"'{path}' could not be read ({ex.Message})");
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes tensors (in the given order) and optional string metadata atomically (temp file, flush, rename).
    /// The header is space-padded so the data starts 8-byte aligned, as the reference writer does.
    /// </summary>
    public static void Save(string path, IEnumerable<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian; this writer needs a little-endian machine");
        var list = tensors.ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
            header[MetadataKey] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
        long offset = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in list)
        {
            if (string.IsNullOrEmpty(name) || name == MetadataKey)
                throw new SafeTensorsException($"'{path}': invalid tensor name '{name}'");
            if (!seen.Add(name))
                throw new SafeTensorsException($"'{path}': tensor name '{name}' appears twice");
            string dtype = FromScalarType(value.dtype);
            long bytes = checked(value.NumberOfElements * ElementSize(dtype));
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(value.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;

        GanSharp.IO.AtomicFile.Write(path, fs =>
        {
            Span<byte> len = stackalloc byte[8];
            BitConverter.TryWriteBytes(len, (ulong)padded);
            fs.Write(len);
            fs.Write(json);
            for (int i = json.Length; i < padded; i++) fs.WriteByte((byte)' ');
            foreach (var (_, value) in list)
            {
                using var t = value.detach().cpu().contiguous();
                if (t.NumberOfElements > 0) fs.Write(t.bytes);
            }
        });
    }

    private static FileStream OpenRead(string path)
    {
        if (!File.Exists(path)) throw new SafeTensorsException($"safetensors file '{path}' does not exist");
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    private static SafeTensorsHeader ReadHeader(FileStream fs, string path)
    {
        long fileLength = fs.Length;
        if (fileLength < 8)
            throw new SafeTensorsException($"'{path}' is not a safetensors file: {fileLength} bytes, shorter than the 8-byte header length");
        Span<byte> len = stackalloc byte[8];
        fs.ReadExactly(len);
        ulong n = BitConverter.ToUInt64(len);
        if (n > (ulong)(fileLength - 8))
            throw new SafeTensorsException($"'{path}' is truncated or not a safetensors file: its header length {n} goes beyond the file ({fileLength} bytes)");
        if (n > MaxHeaderBytes)
            throw new SafeTensorsException($"'{path}': header length {n} is above the {MaxHeaderBytes}-byte limit");
        if (n < 2)
            throw new SafeTensorsException($"'{path}': header length {n} is too short for a JSON header");
        var json = new byte[n];
        fs.ReadExactly(json);
        return ParseHeader(json, fileLength - 8 - (long)n, path, dataStart: 8 + (long)n);
    }

    /// <summary>Parses and validates a header's JSON against a data section of <paramref name="dataLength"/> bytes.</summary>
    public static SafeTensorsHeader ParseHeader(ReadOnlySpan<byte> json, long dataLength, string source, long dataStart = 0)
    {
        JsonObject root;
        try
        {
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(json);
            if (!text.StartsWith('{'))
                throw new SafeTensorsException($"'{source}' is not a safetensors file: the header does not start with '{{'");
            // Duplicate keys are refused at every depth (a lazily built nested object would throw later otherwise).
            root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false, AllowDuplicateProperties = false })?.AsObject()
                ?? throw new SafeTensorsException($"'{source}': the header is JSON null, not an object");
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException or InvalidOperationException or ArgumentException)
        {
            throw new SafeTensorsException($"'{source}': the header is not valid JSON ({e.Message})");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<SafeTensorEntry>();
        foreach (var (name, node) in root)
        {
            if (name == MetadataKey)
            {
                if (node is not JsonObject meta)
                    throw new SafeTensorsException($"'{source}': \"{MetadataKey}\" must be an object of strings");
                foreach (var (k, v) in meta)
                    metadata[k] = v is JsonValue sv && sv.TryGetValue<string>(out var s) ? s
                        : throw new SafeTensorsException($"'{source}': metadata value of '{k}' is not a string");
                continue;
            }
            entries.Add(ParseEntry(name, node, source));
        }

        // The byte ranges, in offset order, must tile [0, dataLength) exactly.
        long expected = 0;
        SafeTensorEntry? previous = null;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.End > dataLength)
                throw new SafeTensorsException($"'{source}' is truncated or damaged: tensor '{e.Name}' ends at byte {e.End} of the data, which has only {dataLength} bytes");
            if (e.Begin < expected)
                throw new SafeTensorsException($"'{source}': tensor '{e.Name}' [{e.Begin}, {e.End}) overlaps tensor '{previous!.Name}' [{previous.Begin}, {previous.End})");
            if (e.Begin > expected)
                throw new SafeTensorsException($"'{source}': the data ranges are not contiguous: {e.Begin - expected} unused bytes before tensor '{e.Name}' (at {expected})");
            expected = e.End;
            previous = e;
        }
        if (expected != dataLength)
            throw new SafeTensorsException($"'{source}': {dataLength - expected} bytes after the last tensor are not described by the header");
        return new SafeTensorsHeader(entries, metadata, dataStart, dataLength);
    }

    private static SafeTensorEntry ParseEntry(string name, JsonNode? node, string source)
    {
        string where = $"'{source}': tensor '{name}'";
        if (node is not JsonObject o)
            throw new SafeTensorsException($"{where} is not an object with dtype, shape and data_offsets");
        foreach (var key in o.Select(kv => kv.Key))
            if (key is not ("dtype" or "shape" or "data_offsets"))
                throw new SafeTensorsException($"{where} has an unknown field '{key}'");
        string dtype = o["dtype"] is JsonValue dv && dv.TryGetValue<string>(out var ds) ? ds
            : throw new SafeTensorsException($"{where} has no dtype string");
        ToScalarType(dtype, $"{where}");
        long[] shape = Longs(o["shape"], $"{where}: shape", requiredLength: null);
        long[] offsets = Longs(o["data_offsets"], $"{where}: data_offsets", requiredLength: 2);
        if (offsets[1] < offsets[0])
            throw new SafeTensorsException($"{where}: data_offsets [{offsets[0]}, {offsets[1]}] end before they begin");
        long bytes;
        try
        {
            long count = 1;
            foreach (long d in shape) count = checked(count * d);
            bytes = checked(count * ElementSize(dtype));
        }
        catch (OverflowException)
        {
            throw new SafeTensorsException($"{where}: shape [{string.Join(",", shape)}] is absurdly large");
        }
        if (bytes != offsets[1] - offsets[0])
            throw new SafeTensorsException($"{where}: shape [{string.Join(",", shape)}] of {dtype} needs {bytes} bytes, but data_offsets [{offsets[0]}, {offsets[1]}] give {offsets[1] - offsets[0]}");
        return new SafeTensorEntry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] Longs(JsonNode? node, string what, int? requiredLength)
    {
        if (node is not JsonArray a)
            throw new SafeTensorsException($"{what} is missing or not an array");
        if (requiredLength is { } n && a.Count != n)
            throw new SafeTensorsException($"{what} must have {n} numbers, has {a.Count}");
        var r = new long[a.Count];
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] is not JsonValue v || !v.TryGetValue<long>(out long x) || x < 0)
                throw new SafeTensorsException($"{what}: element {i} ({a[i]?.ToJsonString() ?? "null"}) is not a non-negative integer");
            r[i] = x;
        }
        return r;
    }
}
