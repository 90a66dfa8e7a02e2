namespace GanSharp.IO;

/// <summary>
/// A write-failure injection point for tests: a full disk cannot be made with chmod when tests run as root, and a
/// tmpfs needs privileges. The atomic-write and append helpers pass their streams through <see cref="Wrap"/>; a
/// test arms a fault for paths containing some text, and the wrapped stream writes that many bytes, then throws
/// IOException("No space left on device") as the kernel would. Scoped to the arming test's async flow, so tests
/// running in parallel are not affected.
/// </summary>
internal static class WriteFaults
{
    private sealed record Fault(string PathContains, long FailAfterBytes, string Message);

    private static readonly AsyncLocal<Fault?> Armed = new();

    /// <summary>Arms a fault for writes to paths containing <paramref name="pathContains"/>; dispose to disarm.</summary>
    internal static IDisposable Inject(string pathContains, long failAfterBytes = 0, string message = "No space left on device")
    {
        var previous = Armed.Value;
        Armed.Value = new Fault(pathContains, failAfterBytes, message);
        return new Disarm(previous);
    }

    /// <summary><paramref name="inner"/>, or a stream that fails as armed when <paramref name="path"/> matches.</summary>
    internal static Stream Wrap(string path, Stream inner)
    {
        var s = CrashPoints.Wrap(path, inner);
        return Armed.Value is { } f && path.Contains(f.PathContains, StringComparison.Ordinal) ? new FailingStream(s, f) : s;
    }

    private sealed class Disarm(Fault? previous) : IDisposable
    {
        public void Dispose() => Armed.Value = previous;
    }

    private sealed class FailingStream(Stream inner, Fault fault) : Stream
    {
        private long _left = fault.FailAfterBytes;

        public override bool CanRead => false;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, Math.Max(0, _left));
            inner.Write(buffer[..n]); // a torn write: what fitted reaches the file
            inner.Flush();
            _left -= n;
            if (n < buffer.Length) throw new IOException(fault.Message);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>
/// Crash injection for the kill-anywhere harness (tests/GanSharp.Tests/Reliability, bench/kill-anywhere.sh): with
/// GANSHARP_CRASH_AT=POINT:TEXT:N[:BYTES] set, the process SIGKILLs itself the Nth time it reaches POINT for a file
/// whose path contains TEXT, so a kill lands exactly inside a window that a random kill rarely hits. POINT is
/// <c>write</c> (after BYTES bytes of the write have reached the file: a torn write; default 0), <c>rename</c>
/// (a temp file written and synced, not yet renamed) or <c>renamed</c> (renamed, its directory not yet synced).
/// Unset (always, outside the harness), every call is a no-op.
/// </summary>
internal static class CrashPoints
{
    public const string Variable = "GANSHARP_CRASH_AT";

    private sealed record Spec(string Point, string PathContains, int Occurrence, long Bytes);

    private static readonly Spec? Armed = Parse(Environment.GetEnvironmentVariable(Variable));
    private static int _count;

    private static Spec? Parse(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        string[] p = value.Split(':');
        if (p.Length is < 3 or > 4 || p[0] is not ("write" or "rename" or "renamed") || p[1].Length == 0
            || !int.TryParse(p[2], out int n) || n < 1)
            throw new ArgumentException($"{Variable}='{value}' is not POINT:TEXT:N[:BYTES] with POINT write, rename or renamed: unset it");
        long bytes = 0;
        if (p.Length == 4 && (!long.TryParse(p[3], out bytes) || bytes < 0))
            throw new ArgumentException($"{Variable}='{value}': BYTES must be a count of bytes: unset it");
        return new Spec(p[0], p[1], n, bytes);
    }

    private static bool Hit(string point, string path) =>
        Armed is { } a && a.Point == point && path.Contains(a.PathContains, StringComparison.Ordinal)
        && Interlocked.Increment(ref _count) == a.Occurrence;

    /// <summary>Dies here when armed for <paramref name="point"/> and this is the chosen occurrence.</summary>
    internal static void Reached(string point, string path)
    {
        if (Hit(point, path)) Die();
    }

    /// <summary>A stream that dies after the armed byte count when this write is the chosen one, else <paramref name="inner"/>.</summary>
    internal static Stream Wrap(string path, Stream inner) => Hit("write", path) ? new DyingStream(inner, Armed!.Bytes) : inner;

    private static void Die()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        self.Kill(); // SIGKILL on Unix: no finally block, no flush, no exit handler runs
        Thread.Sleep(Timeout.Infinite);
    }

    private sealed class DyingStream(Stream inner, long bytes) : Stream
    {
        private long _left = bytes;

        public override bool CanRead => false;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        // BYTES exactly the file's length: every byte written, dies at the flush (before the fsync).
        public override void Flush()
        {
            inner.Flush();
            if (_left <= 0) Die();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, Math.Max(0, _left));
            inner.Write(buffer[..n]);
            _left -= n;
            if (n < buffer.Length)
            {
                inner.Flush(); // what was written reaches the file, as it would have when the kill came
                Die();
            }
        }
    }
}
