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
    internal static Stream Wrap(string path, Stream inner) =>
        Armed.Value is { } f && path.Contains(f.PathContains, StringComparison.Ordinal) ? new FailingStream(inner, f) : inner;

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
