using System.Diagnostics;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;

namespace GanSharp.Tests.Training;

public class RunLockTests
{
    private static string LockPath(string root) => Path.Combine(root, RunLock.FileName);

    /// <summary>A process that has exited (its pid is free, or recycled with another start time).</summary>
    private static RunLockHolder DeadHolder()
    {
        using var p = Sleeper();
        DateTime started = p.StartTime.ToUniversalTime();
        p.Kill();
        p.WaitForExit();
        return new RunLockHolder(p.Id, Environment.MachineName, started, "dead");
    }

    private static Process Sleeper(params string[] prefix)
    {
        var psi = new ProcessStartInfo(prefix.Length > 0 ? prefix[0] : "sleep") { UseShellExecute = false };
        foreach (var a in prefix.Skip(1)) psi.ArgumentList.Add(a);
        if (prefix.Length > 0) psi.ArgumentList.Add("sleep");
        psi.ArgumentList.Add("60");
        return Process.Start(psi)!;
    }

    [Fact]
    public void AcquireWritesPidAndHostAndDisposeReleases()
    {
        using var tmp = new TestUtil.TempDir();
        var lk = RunLock.Acquire(tmp.Path);
        var holder = RunLockHolder.TryRead(LockPath(tmp.Path));
        Assert.NotNull(holder);
        Assert.Equal(Environment.ProcessId, holder!.Pid);
        Assert.Equal(Environment.MachineName, holder.Host);
        Assert.Null(lk.TookOverFrom);
        lk.Dispose();
        Assert.False(lk.IsHeld);
        Assert.False(File.Exists(LockPath(tmp.Path)));
        using var again = RunLock.Acquire(tmp.Path); // free again
        Assert.True(again.IsHeld);
    }

    [Fact]
    public void SecondWriterIsRefusedWithOneLineNamingTheHolder()
    {
        using var tmp = new TestUtil.TempDir();
        using var first = RunLock.Acquire(tmp.Path);
        var e = Assert.Throws<RunLockedException>(() => RunLock.Acquire(tmp.Path));
        Assert.Contains($"pid {Environment.ProcessId} on host {Environment.MachineName}", e.Message);
        Assert.Contains(Path.GetFullPath(tmp.Path), e.Message);
        Assert.DoesNotContain('\n', e.Message);
        // The refusal changed nothing: the holder is still recorded and still holds.
        Assert.Equal(first.Holder, RunLockHolder.TryRead(LockPath(tmp.Path)));
        Assert.True(first.IsHeld);
    }

    [Fact]
    public void HolderInAnotherProcessIsRefusedAndItsDeathFreesTheLock()
    {
        Assert.True(File.Exists("/usr/bin/flock") || File.Exists("/bin/flock"), "flock(1) from util-linux (essential on Debian) is needed to hold a lock from another process");
        using var tmp = new TestUtil.TempDir();
        // flock(1) takes the same kind of lock (flock(2), exclusive) on .lock.guard and keeps it while sleep runs;
        // -o: only flock(1) itself holds it (not the sleep child), so killing flock(1) is the holder dying.
        using var other = Sleeper("flock", "-x", "-o", Path.Combine(tmp.Path, RunLock.GuardFileName));
        var holder = new RunLockHolder(other.Id, Environment.MachineName, other.StartTime.ToUniversalTime(), "other");
        RunDirectory.AtomicWrite(LockPath(tmp.Path), holder.ToJson());
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(10); // until flock(1) has its lock
            RunLockedException? refused = null;
            while (refused is null && DateTime.UtcNow < deadline)
            {
                try { RunLock.Acquire(tmp.Path).Dispose(); RunDirectory.AtomicWrite(LockPath(tmp.Path), holder.ToJson()); Thread.Sleep(20); }
                catch (RunLockedException e) { refused = e; }
            }
            Assert.NotNull(refused);
            Assert.Contains($"pid {other.Id} on host {Environment.MachineName}", refused!.Message);
        }
        finally
        {
            other.Kill(entireProcessTree: true);
            other.WaitForExit();
        }
        // SIGKILL: no clean-up ran, .lock still names the dead process, the kernel dropped its flock.
        Assert.Equal(other.Id, RunLockHolder.TryRead(LockPath(tmp.Path))!.Pid);
        using var taken = RunLock.Acquire(tmp.Path);
        Assert.Equal(other.Id, taken.TookOverFrom?.Pid);
        Assert.Equal(Environment.ProcessId, RunLockHolder.TryRead(LockPath(tmp.Path))!.Pid);
    }

    [Fact]
    public void StaleLockOfADeadPidIsTakenOver()
    {
        using var tmp = new TestUtil.TempDir();
        var dead = DeadHolder();
        Assert.False(dead.IsAnotherLiveProcessHere());
        RunDirectory.AtomicWrite(LockPath(tmp.Path), dead.ToJson());
        using var lk = RunLock.Acquire(tmp.Path);
        Assert.Equal(dead, lk.TookOverFrom);
        Assert.Equal(lk.Holder, RunLockHolder.TryRead(LockPath(tmp.Path)));
    }

    [Fact]
    public void LockNamingALiveProcessIsRefusedEvenWithoutItsFlock()
    {
        // Defence in depth (a holder that ran with file locking disabled): the pid check alone refuses.
        using var tmp = new TestUtil.TempDir();
        using var live = Sleeper();
        try
        {
            var holder = new RunLockHolder(live.Id, Environment.MachineName, live.StartTime.ToUniversalTime(), "live");
            Assert.True(holder.IsAnotherLiveProcessHere());
            RunDirectory.AtomicWrite(LockPath(tmp.Path), holder.ToJson());
            var e = Assert.Throws<RunLockedException>(() => RunLock.Acquire(tmp.Path));
            Assert.Contains($"pid {live.Id}", e.Message);

            // The same pid with another start time is a recycled pid: stale.
            var recycled = holder with { ProcessStart = holder.ProcessStart.AddHours(-1) };
            Assert.False(recycled.IsAnotherLiveProcessHere());
            RunDirectory.AtomicWrite(LockPath(tmp.Path), recycled.ToJson());
            using var lk = RunLock.Acquire(tmp.Path);
            Assert.Equal(recycled, lk.TookOverFrom);
        }
        finally
        {
            live.Kill();
            live.WaitForExit();
        }
    }

    [Fact]
    public void LockFromAnotherHostIsRefusedWithTheWayOut()
    {
        using var tmp = new TestUtil.TempDir();
        RunDirectory.AtomicWrite(LockPath(tmp.Path), new RunLockHolder(4242, "elsewhere-" + Guid.NewGuid().ToString("N")[..6], DateTime.UtcNow, "x").ToJson());
        var e = Assert.Throws<RunLockedException>(() => RunLock.Acquire(tmp.Path));
        Assert.Contains("pid 4242 on host elsewhere-", e.Message);
        Assert.Contains($"delete {LockPath(Path.GetFullPath(tmp.Path))}", e.Message);
    }

    [Fact]
    public void ManyRacersForAStaleLockExactlyOneWins()
    {
        using var tmp = new TestUtil.TempDir();
        var dead = DeadHolder();
        for (int round = 0; round < 5; round++)
        {
            RunDirectory.AtomicWrite(LockPath(tmp.Path), dead.ToJson());
            using var start = new Barrier(8);
            var results = new RunLock?[8];
            var errors = new Exception?[8];
            var threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                try { results[i] = RunLock.Acquire(tmp.Path); }
                catch (Exception e) { errors[i] = e; }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            var winners = results.Where(r => r is not null).ToList();
            Assert.Single(winners);
            Assert.All(errors.Where(e => e is not null), e => Assert.IsType<RunLockedException>(e));
            Assert.Equal(7, errors.Count(e => e is not null));
            Assert.Equal(winners[0]!.Holder, RunLockHolder.TryRead(LockPath(tmp.Path)));
            winners[0]!.Dispose();
        }
    }

    [Fact]
    public void RunDirectoryLocksForWritingAndReadersNeedNoLock()
    {
        using var tmp = new TestUtil.TempDir();
        using var writer = RunDirectory.Create(tmp.Path, "run", lockForWriting: true);
        Assert.NotNull(writer.WriteLock);
        File.WriteAllText(writer.OptionsPath, "{}");
        string root = Path.Combine(tmp.Path, "run");

        var e = Assert.Throws<RunLockedException>(() => RunDirectory.Open(root, lockForWriting: true));
        Assert.Contains($"pid {Environment.ProcessId}", e.Message);
        var reader = RunDirectory.Open(root); // sample / eval
        Assert.Null(reader.WriteLock);
        Assert.Equal("{}", File.ReadAllText(reader.OptionsPath));

        writer.Dispose();
        Assert.Null(writer.WriteLock);
        using var resumed = RunDirectory.Open(root, lockForWriting: true);
        Assert.NotNull(resumed.WriteLock);
    }

    [Fact]
    public void CreatingARunThatAnotherWriterHoldsIsRefused()
    {
        using var tmp = new TestUtil.TempDir();
        string root = Path.Combine(tmp.Path, "run");
        Directory.CreateDirectory(root);
        using var other = RunLock.Acquire(root); // won the race, has not written anything yet
        Assert.Throws<RunLockedException>(() => RunDirectory.Create(tmp.Path, "run", lockForWriting: true));
    }

    [Fact]
    public void SampleAndEvalReadARunWhileItsWriterHoldsTheLock()
    {
        using var tmp = new TestUtil.TempDir();
        var o = TestUtil.TinyMlp(steps: 2);
        using (var data = TrainingRun.OpenData(o))
        using (var run = TrainingRun.Create(o, data, tmp.Path, "run"))
            Assert.True(run.Run());
        string root = Path.Combine(tmp.Path, "run");
        using var writer = RunDirectory.Open(root, lockForWriting: true); // a trainer is (still) at work

        var sample = TestUtil.RunCli("sample", "--checkpoint", root, "--count", "16", "--out", Path.Combine(tmp.Path, "s.png"));
        Assert.True(sample.Code == 0, sample.Err);
        Assert.True(File.Exists(Path.Combine(tmp.Path, "s.png")));
        var eval = TestUtil.RunCli("eval", "--checkpoint", root, "--metrics", "modes", "--samples", "200");
        Assert.True(eval.Code == 0, eval.Err);
        Assert.Contains("modes.", eval.Out);
        Assert.Equal(writer.WriteLock!.Holder, RunLockHolder.TryRead(LockPath(root))); // the lock is untouched
    }
}
