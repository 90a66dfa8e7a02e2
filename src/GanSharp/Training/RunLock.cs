using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace GanSharp.Training;

/// <summary>A run directory is being written by another trainer; the message names the holder and what to do.</summary>
public sealed class RunLockedException(string message) : IOException(message);

/// <summary>Who holds a run's write lock: process id, host name, process start time and a random token.</summary>
public sealed record RunLockHolder(int Pid, string Host, DateTime ProcessStart, string Token)
{
    public static RunLockHolder Current()
    {
        using var self = Process.GetCurrentProcess();
        return new(Environment.ProcessId, Environment.MachineName, self.StartTime.ToUniversalTime(), Guid.NewGuid().ToString("N"));
    }

    public string ToJson() => new JsonObject
    {
        ["pid"] = Pid,
        ["host"] = Host,
        ["process-start"] = ProcessStart.ToString("o", CultureInfo.InvariantCulture),
        ["token"] = Token,
    }.ToJsonString();

    /// <summary>The holder written in <paramref name="path"/>, or null when the file is missing or not a holder record.</summary>
    public static RunLockHolder? TryRead(string path)
    {
        try
        {
            var o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
            if (o?["pid"] is not JsonValue pid || !pid.TryGetValue<int>(out int p)) return null;
            string? host = o["host"] is JsonValue h && h.TryGetValue<string>(out var hs) ? hs : null;
            string? start = o["process-start"] is JsonValue s && s.TryGetValue<string>(out var ss) ? ss : null;
            string? token = o["token"] is JsonValue t && t.TryGetValue<string>(out var ts) ? ts : null;
            if (host is null || token is null || !DateTime.TryParse(start, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var started))
                return null;
            return new(p, host, started.ToUniversalTime(), token);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>True when this holder is a live process on this host other than the caller (same pid and start time).</summary>
    public bool IsAnotherLiveProcessHere()
    {
        if (Host != Environment.MachineName || Pid == Environment.ProcessId) return false;
        try
        {
            using var p = Process.GetProcessById(Pid);
            if (p.HasExited) return false;
            // A recycled pid belongs to a process started later.
            return Math.Abs((p.StartTime.ToUniversalTime() - ProcessStart).TotalSeconds) < 2;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public override string ToString() =>
        $"pid {Pid} on host {Host}, started {ProcessStart.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC";
}

/// <summary>
/// One writer per run directory. The holder's pid and host are in RUN/.lock (JSON, readable by anyone); the lock
/// itself is an exclusive flock on RUN/.lock.guard, held for the writer's lifetime. The kernel releases a flock when
/// its process dies, so a lock left by a killed trainer is free again and taken over with no race between two
/// would-be writers: exactly one gets the flock. As a second line of defence (e.g. a process that ran with
/// DOTNET_SYSTEM_IO_DISABLEFILELOCKING), a .lock naming another live process on this host, or any process on another
/// host, is refused too. .lock.guard is never deleted (deleting a locked file lets a third process lock a new one).
/// Readers (sample, eval) take no lock.
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = ".lock";
    public const string GuardFileName = ".lock.guard";

    private FileStream? _guard;

    private RunLock(string path, FileStream guard, RunLockHolder holder, RunLockHolder? previous)
    {
        LockPath = path;
        _guard = guard;
        Holder = holder;
        TookOverFrom = previous;
    }

    public string LockPath { get; }
    public RunLockHolder Holder { get; }

    /// <summary>The stale holder found in .lock when this lock was taken (its process had ended), else null.</summary>
    public RunLockHolder? TookOverFrom { get; }

    public bool IsHeld => _guard is not null;

    /// <summary>Takes the write lock of <paramref name="runRoot"/>, or throws <see cref="RunLockedException"/> naming the holder.</summary>
    public static RunLock Acquire(string runRoot)
    {
        string root = Path.GetFullPath(runRoot);
        string lockPath = Path.Combine(root, FileName);
        string guardPath = Path.Combine(root, GuardFileName);
        if (!Directory.Exists(root))
            throw new ArgumentException($"run directory '{root}' does not exist");

        FileStream guard;
        try
        {
            // FileShare.None is an exclusive, non-blocking flock on Unix.
            guard = new FileStream(guardPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException && IsLockConflict(e))
        {
            throw Refused(root, ReadHolderPatiently(lockPath));
        }

        try
        {
            var previous = File.Exists(lockPath) ? RunLockHolder.TryRead(lockPath) : null;
            if (previous is not null && (previous.IsAnotherLiveProcessHere() || previous.Host != Environment.MachineName))
                throw Refused(root, previous);
            var me = RunLockHolder.Current();
            RunDirectory.AtomicWrite(lockPath, me.ToJson());
            return new RunLock(lockPath, guard, me, previous);
        }
        catch
        {
            guard.Dispose();
            throw;
        }
    }

    /// <summary>Removes .lock (still under the flock, so no one can be taking it) and releases the flock.</summary>
    public void Dispose()
    {
        if (_guard is null) return;
        try
        {
            if (RunLockHolder.TryRead(LockPath)?.Token == Holder.Token) File.Delete(LockPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A .lock that cannot be removed names a process that has ended: the next writer takes it over.
        }
        finally
        {
            _guard.Dispose();
            _guard = null;
        }
    }

    private static bool IsLockConflict(IOException e) =>
        // EWOULDBLOCK (11) from flock on Unix; ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION on Windows.
        (e.HResult & 0xFFFF) is 11 or 32 or 33;

    private static RunLockHolder? ReadHolderPatiently(string lockPath)
    {
        // The holder writes .lock just after taking the flock: give it a moment.
        for (int i = 0; i < 20; i++)
        {
            if (RunLockHolder.TryRead(lockPath) is { } h) return h;
            Thread.Sleep(25);
        }
        return null;
    }

    private static RunLockedException Refused(string root, RunLockHolder? holder)
    {
        string who = holder is null ? "another process" : holder.ToString();
        string fix = holder is not null && holder.Host != Environment.MachineName
            ? $"if that run has ended, delete {Path.Combine(root, FileName)}"
            : "wait for it to finish or stop it";
        return new RunLockedException(
            $"run directory '{root}' is being written by another trainer ({who}): {fix}; 'gansharp sample' and 'eval' can read it meanwhile");
    }
}
