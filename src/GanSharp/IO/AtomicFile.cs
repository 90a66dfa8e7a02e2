using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace GanSharp.IO;

/// <summary>
/// The one way GanSharp replaces a file: write a temp file beside it (".NAME.PID.tmp"), flush it to disk (fsync),
/// rename it over NAME, then fsync the directory so the rename itself survives a power cut (POSIX: a rename is
/// durable only once its directory is synced; Windows has no directory fsync and needs none for this). After a
/// crash at any point the file is whole, old or new; the temp file is all a crash can leave (removed on failure,
/// and by <see cref="RemoveStaleTemps"/> when a writer reopens a run).
/// </summary>
public static class AtomicFile
{
    // Two threads of one process replacing the same file would share the temp name: serialize them.
    private static readonly ConcurrentDictionary<string, object> Locks = new(StringComparer.Ordinal);

    /// <summary>The temp file a write of <paramref name="path"/> by this process uses.</summary>
    public static string TempPath(string path)
    {
        string full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with what <paramref name="write"/> writes. If <paramref name="write"/> or
    /// the disk fails (or <paramref name="write"/> throws to refuse what it wrote, e.g. a checksum mismatch), the
    /// temp file is removed, <paramref name="path"/> is left as it was and the exception propagates unchanged.
    /// </summary>
    public static void Write(string path, Action<Stream> write, int bufferSize = 1 << 16)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string tmp = TempPath(full);
        lock (Locks.GetOrAdd(full, _ => new object()))
        {
            try
            {
                using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize))
                {
                    var s = WriteFaults.Wrap(full, fs);
                    write(s);
                    s.Flush();
                    fs.Flush(flushToDisk: true);
                    Trace("fsync", tmp);
                }
                CrashPoints.Reached("rename", full);
                File.Move(tmp, full, overwrite: true);
                Trace("rename", full);
                CrashPoints.Reached("renamed", full);
                SyncDirectory(dir);
            }
            catch
            {
                TryDelete(tmp);
                throw;
            }
        }
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/> (see <see cref="Write(string, Action{Stream}, int)"/>).</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, s => s.Write(copy), bufferSize: 4096);
    }

    /// <summary>
    /// Flushes <paramref name="path"/>'s data to disk (fsync). Used before a checkpoint, so the metrics lines it
    /// covers are on disk before the checkpoint that makes them part of the run.
    /// </summary>
    public static void SyncFile(string path)
    {
        if (!File.Exists(path)) return;
        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
        fs.Flush(flushToDisk: true);
        Trace("fsync", Path.GetFullPath(path));
    }

    /// <summary>
    /// fsync of a directory, so that a rename or a new file in it is durable (Linux, macOS and the BSDs; a no-op on
    /// Windows). File systems that cannot sync a directory (EINVAL) are accepted; any other failure is an IOException.
    /// </summary>
    public static void SyncDirectory(string dir)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Native.open(dir, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"cannot open directory {dir} to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Native.fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != 22 /* EINVAL: this file system does not sync directories */)
                    throw new IOException($"cannot sync directory {dir} (errno {errno})");
            }
            Trace("fsync-dir", Path.GetFullPath(dir));
        }
        finally
        {
            Native.close(fd);
        }
    }

    /// <summary>
    /// Removes temp files left by writers that were killed mid-write (".NAME.PID.tmp" whose PID is not a live
    /// process) in <paramref name="dir"/>; returns how many. Call it only while holding the directory's write lock.
    /// </summary>
    public static int RemoveStaleTemps(string dir)
    {
        if (!Directory.Exists(dir)) return 0;
        int removed = 0;
        foreach (var f in Directory.EnumerateFiles(dir, ".*.tmp"))
        {
            string name = Path.GetFileName(f);
            string[] parts = name.Split('.');
            // ".", NAME parts..., PID, "tmp"
            if (parts.Length < 4 || !int.TryParse(parts[^2], out int pid)) continue;
            if (pid == Environment.ProcessId || IsAlive(pid)) continue;
            if (TryDelete(f)) removed++;
        }
        return removed;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private static bool TryDelete(string file)
    {
        try
        {
            File.Delete(file);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // ---- a trace of syncs and renames, for tests of their order ---------------------------------------------

    private static readonly AsyncLocal<List<string>?> TraceLog = new();

    /// <summary>Records "fsync PATH", "rename PATH", "fsync-dir DIR" in this async flow until disposed (tests).</summary>
    internal static IDisposable StartTrace(out List<string> log)
    {
        var previous = TraceLog.Value;
        log = new List<string>();
        TraceLog.Value = log;
        return new Restore(previous);
    }

    private static void Trace(string what, string path) => TraceLog.Value?.Add($"{what} {path}");

    private sealed class Restore(List<string>? previous) : IDisposable
    {
        public void Dispose() => TraceLog.Value = previous;
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        internal static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        internal static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        internal static extern int close(int fd);
    }
}
