using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Xunit;

namespace GanSharp.Tests.Fuzz;

/// <summary>
/// A seeded fuzzer (deterministic: case i of a target always sees the same input, so a failure names a
/// reproducible case). Each case must end in success or one of the target's clear, typed exceptions with a
/// one-line message, within a time limit (a hang fails the test) and allocating at most a bound of managed memory
/// on its thread (a header claiming gigabytes must be refused before allocating).
/// </summary>
public static class Fuzzer
{
    /// <summary>Cases per target in the fast suite; the Slow suite runs <see cref="SlowCases"/>.</summary>
    public const int FastCases = 300;
    public const int SlowCases = 20_000;

    public sealed record Outcome(string Target, int Cases, int Succeeded, int Refused, long MaxAllocatedBytes, double MaxCaseSeconds)
    {
        public override string ToString() =>
            $"{Target}: {Cases} cases, {Succeeded} read, {Refused} refused with a clear error, max {MaxAllocatedBytes / 1024.0:0} KiB allocated, slowest {MaxCaseSeconds * 1000:0} ms";
    }

    public static Outcome Run(string target, int cases, int seed, Func<Random, byte[]> makeInput, Action<byte[]> parse,
        Func<Exception, bool> isClearError, Func<byte[], long> allocationBound, double caseSeconds = 5)
    {
        // GANSHARP_FUZZ_KEEP_GOING=1: run every case and list each distinct failure at the end (to survey a target).
        bool keepGoing = Environment.GetEnvironmentVariable("GANSHARP_FUZZ_KEEP_GOING") == "1";
        var failures = new SortedDictionary<string, (int Count, string First)>(StringComparer.Ordinal);
        void Fail(string kind, string message)
        {
            if (!keepGoing) Assert.Fail(message);
            failures[kind] = failures.TryGetValue(kind, out var f) ? (f.Count + 1, f.First) : (1, message);
        }
        int ok = 0, refused = 0;
        long maxAlloc = 0;
        double maxSeconds = 0;
        for (int i = 0; i < cases; i++)
        {
            var rng = new Random(unchecked(seed * 1_000_003 + i));
            byte[] input = makeInput(rng);
            Exception? error = null;
            long allocated = 0;
            var watch = Stopwatch.StartNew();
            var task = Task.Factory.StartNew(() =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                try { parse(input); }
                catch (Exception e) { error = e; }
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            if (!task.Wait(TimeSpan.FromSeconds(caseSeconds)))
            {
                Fail("hang", $"{target}: case {i} (seed {seed}) still running after {caseSeconds} s: a hang; input {Describe(input)}");
                continue;
            }
            maxSeconds = Math.Max(maxSeconds, watch.Elapsed.TotalSeconds);
            if (error is not null)
            {
                if (!isClearError(error))
                    Fail($"{error.GetType().Name} at {error.StackTrace?.Split('\n')[0].Trim()}",
                        $"{target}: case {i} (seed {seed}) crashed with {error.GetType().FullName}: {error.Message}\ninput {Describe(input)}\n{error.StackTrace}");
                else if (string.IsNullOrWhiteSpace(error.Message) || error.Message.Contains('\n'))
                    Fail($"message not one line from {error.StackTrace?.Split('\n')[0].Trim()}",
                        $"{target}: case {i} (seed {seed}) gave a message that is not one line: '{error.Message}'");
                refused++;
            }
            else ok++;
            long bound = allocationBound(input);
            if (allocated > bound)
                Fail("allocation", $"{target}: case {i} (seed {seed}) allocated {allocated} bytes, over the bound {bound}; input {Describe(input)}");
            maxAlloc = Math.Max(maxAlloc, allocated);
        }
        var outcome = new Outcome(target, cases, ok, refused, maxAlloc, maxSeconds);
        Record(outcome);
        if (failures.Count > 0)
            Assert.Fail($"{target}: {failures.Values.Sum(f => f.Count)} failing cases of {cases}, {failures.Count} kinds:\n" +
                string.Join("\n", failures.Select(f => $"- {f.Value.Count} × {f.Key}; first: {f.Value.First.Split('\n')[0]}")));
        return outcome;
    }

    /// <summary>Appends the outcome to $TMP/gansharp-fuzz-counts.txt (the case counts for the record).</summary>
    private static void Record(Outcome o)
    {
        lock (typeof(Fuzzer))
            File.AppendAllText(Path.Combine(Path.GetTempPath(), "gansharp-fuzz-counts.txt"), $"{DateTime.UtcNow:o} {o}\n");
    }

    private static string Describe(byte[] input) =>
        $"({input.Length} bytes: {Convert.ToHexString(input.AsSpan(0, Math.Min(64, input.Length)))}{(input.Length > 64 ? "…" : "")})";

    // ---- mutations ----

    private static readonly long[] Interesting =
        [0, 1, -1, 2, 7, 255, 256, 65535, 65536, 1 << 24, int.MaxValue, int.MinValue, (long)int.MaxValue + 1, uint.MaxValue,
         long.MaxValue, long.MinValue, 100L << 30, 1L << 40];

    public static long InterestingValue(Random rng) =>
        rng.Next(4) == 0 ? rng.NextInt64(long.MinValue, long.MaxValue) : Interesting[rng.Next(Interesting.Length)];

    /// <summary>One or more random mutations of <paramref name="seed"/>: truncation, bit flips, byte and integer overwrites, slice repeats or drops.</summary>
    public static byte[] Mutate(Random rng, byte[] seed, IReadOnlyList<(int Offset, int Size, bool BigEndian)>? fields = null)
    {
        var data = seed.ToList();
        int rounds = 1 + rng.Next(3);
        for (int r = 0; r < rounds; r++)
        {
            if (data.Count == 0) break;
            switch (rng.Next(fields is null ? 6 : 7))
            {
                case 0: // truncate
                    {
                        int keep = rng.Next(data.Count);
                        data.RemoveRange(keep, data.Count - keep);
                        break;
                    }
                case 1: // flip 1-8 bits
                    for (int k = 1 + rng.Next(8); k > 0; k--)
                    {
                        int at = rng.Next(data.Count);
                        data[at] ^= (byte)(1 << rng.Next(8));
                    }
                    break;
                case 2: // overwrite a byte
                    data[rng.Next(data.Count)] = (byte)(rng.Next(3) switch { 0 => 0, 1 => 0xFF, _ => rng.Next(256) });
                    break;
                case 3: // overwrite a 4- or 8-byte integer anywhere, either byte order
                    WriteInt(data, rng.Next(data.Count), rng.Next(2) == 0 ? 4 : 8, rng.Next(2) == 0, InterestingValue(rng));
                    break;
                case 4: // repeat a slice
                    {
                        int at = rng.Next(data.Count), len = Math.Min(data.Count - at, 1 + rng.Next(64));
                        data.InsertRange(rng.Next(data.Count), data.GetRange(at, len));
                        break;
                    }
                case 5: // drop a slice
                    {
                        int at = rng.Next(data.Count);
                        data.RemoveRange(at, Math.Min(data.Count - at, 1 + rng.Next(16)));
                        break;
                    }
                default: // a header field gets a hostile value
                    {
                        var f = fields![rng.Next(fields.Count)];
                        if (f.Offset + f.Size <= data.Count) WriteInt(data, f.Offset, f.Size, f.BigEndian, InterestingValue(rng));
                        break;
                    }
            }
        }
        return data.ToArray();
    }

    private static void WriteInt(List<byte> data, int offset, int size, bool bigEndian, long value)
    {
        Span<byte> b = stackalloc byte[8];
        if (bigEndian) BinaryPrimitives.WriteInt64BigEndian(b, value); else BinaryPrimitives.WriteInt64LittleEndian(b, value);
        var bytes = bigEndian ? b[(8 - size)..] : b[..size];
        for (int k = 0; k < size && offset + k < data.Count; k++) data[offset + k] = bytes[k];
    }

    /// <summary>Text mutations of a JSON document: truncation, structural characters, hostile values, deep nesting.</summary>
    public static string MutateJson(Random rng, string json)
    {
        var s = new StringBuilder(json);
        string[] values = ["-1", "0", "1e309", "-1e309", "99999999999999999999", "2147483648", "-2147483649", "1.5", "NaN",
            "\"\"", "\"x\"", "null", "true", "[]", "{}", "[1,2]", "\"../..\"", "\"a/b\"", "\"\\u0000\"", "1e-400"];
        int rounds = 1 + rng.Next(3);
        for (int r = 0; r < rounds && s.Length > 0; r++)
        {
            switch (rng.Next(6))
            {
                case 0: s.Length = rng.Next(s.Length); break;
                case 1:
                    {
                        const string structural = "{}[]\",:\\ 0a-";
                        s[rng.Next(s.Length)] = structural[rng.Next(structural.Length)];
                        break;
                    }
                case 2: // replace a value after a colon or in a list
                    {
                        var spots = Enumerable.Range(0, s.Length).Where(i => s[i] is ':' or '[' or ',').ToList();
                        if (spots.Count == 0) break;
                        int at = spots[rng.Next(spots.Count)] + 1;
                        while (at < s.Length && s[at] == ' ') at++;
                        int end = at;
                        int depth = 0;
                        while (end < s.Length && (depth > 0 || (s[end] != ',' && s[end] != '}' && s[end] != ']')))
                        {
                            if (s[end] is '{' or '[') depth++;
                            if (s[end] is '}' or ']') depth--;
                            end++;
                        }
                        s.Remove(at, end - at).Insert(at, values[rng.Next(values.Length)]);
                        break;
                    }
                case 3: // duplicate or drop a key/value pair
                    {
                        var commas = Enumerable.Range(0, s.Length).Where(i => s[i] == ',').ToList();
                        if (commas.Count < 2) break;
                        int a = commas[rng.Next(commas.Count - 1)];
                        int b = commas.First(c => c > a);
                        string piece = s.ToString(a, b - a);
                        if (rng.Next(2) == 0) s.Remove(a, b - a); else s.Insert(a, piece);
                        break;
                    }
                case 4: s.Insert(rng.Next(s.Length), new string('[', 1 + rng.Next(2000))); break;
                default: s.Insert(rng.Next(s.Length), (char)rng.Next(0, 0x3000)); break;
            }
        }
        return s.ToString();
    }
}
