using System.Diagnostics;
using System.Globalization;

namespace GanSharp.Bench;

/// <summary>
/// One reading of the machine's CPU counters (/proc/stat, all CPUs) and this process's CPU time
/// (/proc/self/stat utime + stime), all in clock ticks (jiffies).
/// </summary>
public readonly record struct CpuSnapshot(long Total, long Idle, long Self, long WallTicks)
{
    private static readonly Stopwatch Wall = Stopwatch.StartNew();

    /// <summary>Clock ticks per second of /proc counters (USER_HZ; 100 on Linux x86-64).</summary>
    public const double TicksPerSecond = 100;

    /// <summary>CPUs listed in /proc/stat (cpu0, cpu1, ...).</summary>
    public static readonly int Cpus = CountCpus();

    public static CpuSnapshot Take()
    {
        var (total, idle) = ReadProcStat();
        long self = ReadSelfTicks();
        long wall = (long)(Wall.Elapsed.TotalSeconds * TicksPerSecond);
        return new CpuSnapshot(total, idle, self, wall);
    }

    /// <summary>
    /// CPU the rest of the machine used between two readings, in cores (0..Cpus): busy ticks of the machine
    /// minus this process's ticks, over the elapsed ticks.
    /// </summary>
    public static double OutsideCores(CpuSnapshot a, CpuSnapshot b)
    {
        long total = b.Total - a.Total;
        if (total <= 0) return 0;
        double elapsed = (double)total / Cpus;                 // wall ticks, as /proc/stat counts them
        long busy = (b.Total - b.Idle) - (a.Total - a.Idle);
        long self = b.Self - a.Self;
        return Math.Clamp((busy - self) / elapsed, 0, Cpus);
    }

    /// <summary>This process's CPU use between two readings, in cores.</summary>
    public static double SelfCores(CpuSnapshot a, CpuSnapshot b)
    {
        long total = b.Total - a.Total;
        return total <= 0 ? 0 : (b.Self - a.Self) / ((double)total / Cpus);
    }

    // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest is already in user).
    private static (long Total, long Idle) ReadProcStat()
    {
        using var reader = new StreamReader("/proc/stat");
        string line = reader.ReadLine() ?? throw new InvalidDataException("/proc/stat is empty");
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(int i) => i < f.Length ? long.Parse(f[i], CultureInfo.InvariantCulture) : 0;
        long total = 0;
        for (int i = 1; i <= 8; i++) total += Field(i);        // user .. steal; steal counts as busy (not ours)
        long idle = Field(4) + Field(5);                       // idle + iowait
        return (total, idle);
    }

    // pid (comm) state ppid ... field 14 utime, 15 stime; comm may contain spaces, so parse after the last ')'.
    private static long ReadSelfTicks()
    {
        string s = File.ReadAllText("/proc/self/stat");
        var f = s[(s.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
    }

    private static int CountCpus()
    {
        int n = File.ReadLines("/proc/stat").Count(l => l.StartsWith("cpu", StringComparison.Ordinal) && l.Length > 3 && char.IsDigit(l[3]));
        return Math.Max(1, n);
    }
}

/// <summary>The outcome of waiting for a quiet machine before a workload.</summary>
public sealed record QuietWait(bool Quiet, double WaitedSeconds, double LastOutsideCores);

public static class Quiet
{
    /// <summary>
    /// Samples the outside load over 1 s windows until it is below <paramref name="threshold"/> cores or
    /// <paramref name="maxWaitSeconds"/> have passed (then proceeds and reports it was never quiet).
    /// </summary>
    public static QuietWait WaitForQuiet(double maxWaitSeconds, double threshold = 0.2)
    {
        var clock = Stopwatch.StartNew();
        double load;
        while (true)
        {
            var a = CpuSnapshot.Take();
            Thread.Sleep(1000);
            load = CpuSnapshot.OutsideCores(a, CpuSnapshot.Take());
            if (load < threshold) return new QuietWait(true, clock.Elapsed.TotalSeconds, load);
            if (clock.Elapsed.TotalSeconds >= maxWaitSeconds) return new QuietWait(false, clock.Elapsed.TotalSeconds, load);
        }
    }
}

/// <summary>Resident memory of this process.</summary>
public static class Rss
{
    /// <summary>VmRSS from /proc/self/status, in MiB.</summary>
    public static double MiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        throw new InvalidDataException("/proc/self/status has no VmRSS line");
    }
}
