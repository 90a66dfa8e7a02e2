using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace GanSharp.Performance;

/// <summary>What <c>GANSHARP_BLAS</c> asks for (docs/performance.md, "The BLAS switch").</summary>
public enum BlasMode
{
    /// <summary>The measured default: MKL's Intel code path for MLP-only training on AMD CPUs, stock elsewhere.</summary>
    Auto,
    /// <summary>Touch nothing: MKL chooses its code path itself (by CPU vendor).</summary>
    Stock,
    /// <summary>MKL's Intel code path (its AVX-512/AVX2 kernels) whatever the CPU vendor.</summary>
    MklIntel,
    /// <summary>MKL's non-Intel code path, which AMD CPUs get by default: for measuring on an Intel CPU what they get.</summary>
    MklGeneric,
}

/// <summary>The MKL code path this process took and why, as recorded in options.json and printed by <c>gansharp blas</c>.</summary>
/// <param name="Mode">What the environment asked for.</param>
/// <param name="Vendor">The CPU vendor string (GenuineIntel, AuthenticAMD, ...), or "unknown" off x86.</param>
/// <param name="Path">"intel" or "generic": the path MKL takes; "unknown" when it could not be read.</param>
/// <param name="Changed">True when GanSharp set MKL's vendor flag (the hot patch), false when MKL was left alone.</param>
/// <param name="Reason">One line saying why.</param>
public sealed record BlasState(BlasMode Mode, string Vendor, string Path, bool Changed, string Reason)
{
    public override string ToString() => $"{BlasPath.Name(Mode)}: MKL {Path} path{(Changed ? " (set by GanSharp)" : "")}; {Reason}";
}

/// <summary>
/// The BLAS switch (issue 18). libtorch's bundled oneMKL picks its sgemm kernels by CPU vendor: it asks its own
/// exported <c>mkl_serv_intel_cpu_true</c>, which runs CPUID once, caches the answer in a static int (−1 until
/// asked) and returns it. On an AMD CPU the answer is 0 and MKL takes a slower generic path, even on CPUs with
/// AVX-512. The switch writes that cached answer before MKL first asks (at the first matrix product of the
/// process), so MKL takes its Intel path; no code is modified, and nothing is written unless the function's first
/// instructions are exactly the recognised "load the cached int, return it when non-negative" sequence.
/// <para>The choice is made once per process: MKL keeps the path it chose at its first matrix product. A call after
/// that leaves everything as it is and says so (<see cref="BlasState.Reason"/>).</para>
/// </summary>
public static class BlasPath
{
    /// <summary>The environment variable that selects the mode: auto (default), stock, mkl-intel or mkl-generic.</summary>
    public const string EnvironmentVariable = "GANSHARP_BLAS";

    private static readonly object Gate = new();
    private static BlasState? _current;

    /// <summary>The state after the first <see cref="Apply"/> of this process, or null before it.</summary>
    public static BlasState? Current { get { lock (Gate) return _current; } }

    public static string Name(BlasMode m) => m switch
    {
        BlasMode.Auto => "auto",
        BlasMode.Stock => "stock",
        BlasMode.MklIntel => "mkl-intel",
        BlasMode.MklGeneric => "mkl-generic",
        _ => throw new ArgumentOutOfRangeException(nameof(m)),
    };

    /// <summary>Parses a mode; null or empty is auto. Anything else is one line naming the variable and the choices.</summary>
    public static BlasMode Parse(string? value) => (value ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "auto" => BlasMode.Auto,
        "stock" or "off" => BlasMode.Stock,
        "mkl-intel" => BlasMode.MklIntel,
        "mkl-generic" => BlasMode.MklGeneric,
        _ => throw new ArgumentException($"{EnvironmentVariable}='{value}' is not a BLAS mode: use auto, stock, mkl-intel or mkl-generic"),
    };

    /// <summary>The mode the environment asks for (<see cref="EnvironmentVariable"/>).</summary>
    public static BlasMode FromEnvironment() => Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>
    /// The value MKL's vendor flag should hold for this mode, CPU and workload, or null to leave MKL alone.
    /// Auto sets the Intel path only on AMD CPUs and only for MLP-only networks, where it measured faster
    /// (docs/performance.md); on the convolutional models it measured slower there (dcgan28) or equal (dcgan64).
    /// On an Intel CPU MKL already takes its Intel path, so mkl-intel leaves it alone too.
    /// </summary>
    public static int? Decide(BlasMode mode, string vendor, bool mlpOnly) => mode switch
    {
        BlasMode.Stock => null,
        BlasMode.MklIntel => vendor == Intel ? null : 1,
        BlasMode.MklGeneric => vendor == Intel ? 0 : null,
        BlasMode.Auto => vendor == Amd && mlpOnly ? 1 : null,
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    public const string Intel = "GenuineIntel";
    public const string Amd = "AuthenticAMD";

    /// <summary>The CPU vendor string from CPUID leaf 0, or "unknown" off x86.</summary>
    public static string Vendor()
    {
        if (!X86Base.IsSupported) return "unknown";
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<byte> s = stackalloc byte[12];
        BitConverter.TryWriteBytes(s[..4], ebx);
        BitConverter.TryWriteBytes(s[4..8], edx);
        BitConverter.TryWriteBytes(s[8..], ecx);
        return System.Text.Encoding.ASCII.GetString(s);
    }

    /// <summary>
    /// Applies <paramref name="mode"/> for a workload (<paramref name="mlpOnly"/>: every network is made of linear
    /// layers only) once per process; later calls return the first state. Needs libtorch loaded (any tensor made).
    /// </summary>
    public static BlasState Apply(BlasMode mode, bool mlpOnly)
    {
        lock (Gate)
        {
            if (_current is not null) return _current;
            return _current = ApplyNow(mode, mlpOnly, Vendor(), MklVendorFlag.Find());
        }
    }

    /// <summary>The decision against a given flag (tests pass their own memory; <see cref="Apply"/> passes MKL's).</summary>
    public static BlasState ApplyNow(BlasMode mode, bool mlpOnly, string vendor, MklVendorFlag? flag)
    {
        int? want = Decide(mode, vendor, mlpOnly);
        if (flag is null)
            return new BlasState(mode, vendor, "unknown", false,
                "MKL's vendor flag was not found (not Linux x64, or a libtorch build this switch does not recognise): MKL left alone");
        int now = flag.Read();
        string PathOf(int v) => v switch { 1 => "intel", 0 => "generic", _ => vendor == Intel ? "intel" : "generic" };
        if (want is null)
            return new BlasState(mode, vendor, PathOf(now), false, mode switch
            {
                BlasMode.Stock => $"{EnvironmentVariable}=stock: MKL chooses by CPU vendor",
                BlasMode.Auto when vendor == Amd => "auto: convolutional networks keep the stock path (measured slower or equal with the Intel path)",
                BlasMode.Auto => $"auto: only AMD CPUs are switched ({vendor} is not)",
                _ => $"MKL already takes this path on a {vendor} CPU",
            });
        if (now >= 0 && now != want)
            return new BlasState(mode, vendor, PathOf(now), false,
                "too late: MKL chose its path at this process's first matrix product; set the variable before starting");
        if (now != want) flag.Write(want.Value);
        return new BlasState(mode, vendor, PathOf(want.Value), now != want,
            mode == BlasMode.Auto ? "auto: MLP-only networks on an AMD CPU take MKL's Intel path (measured faster)" : $"{EnvironmentVariable}={Name(mode)}");
    }
}

/// <summary>
/// The static int behind libtorch's exported <c>mkl_serv_intel_cpu_true</c>: −1 until MKL asks, then 1 (Intel) or
/// 0. Found by reading the function's first 11 bytes, which must be <c>mov eax, [rip+d]; test eax, eax; js +1; ret</c>
/// (<c>8B 05 d32 85 C0 78 01 C3</c>); any other code gives null and the switch leaves MKL alone.
/// </summary>
public sealed class MklVendorFlag
{
    private readonly IntPtr _address;

    private MklVendorFlag(IntPtr address) => _address = address;

    public int Read() => Marshal.ReadInt32(_address);

    public void Write(int value) => Marshal.WriteInt32(_address, value);

    /// <summary>The flag address encoded by <paramref name="code"/> (the function's first bytes) at <paramref name="function"/>, or null.</summary>
    public static IntPtr? Decode(ReadOnlySpan<byte> code, IntPtr function)
    {
        ReadOnlySpan<byte> tail = [0x85, 0xC0, 0x78, 0x01, 0xC3];
        if (code.Length < 11 || code[0] != 0x8B || code[1] != 0x05 || !code[6..11].SequenceEqual(tail)) return null;
        int disp = BitConverter.ToInt32(code[2..6]);
        return function + 6 + disp;        // RIP-relative: from the end of the 6-byte mov
    }

    /// <summary>A flag at an address the caller owns (tests).</summary>
    public static MklVendorFlag At(IntPtr address) => new(address);

    /// <summary>MKL's flag in the libtorch_cpu this process has loaded, or null (not Linux x64, not loaded, not recognised).</summary>
    public static MklVendorFlag? Find()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return null;
        string? path = LoadedLibrary("libtorch_cpu.so");
        if (path is null || !NativeLibrary.TryLoad(path, out var handle)) return null;
        if (!NativeLibrary.TryGetExport(handle, "mkl_serv_intel_cpu_true", out var fn)) return null;
        var code = new byte[11];
        Marshal.Copy(fn, code, 0, code.Length);
        return Decode(code, fn) is { } at ? new MklVendorFlag(at) : null;
    }

    /// <summary>The full path of a shared library mapped into this process (from /proc/self/maps), or null.</summary>
    public static string? LoadedLibrary(string fileName)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash < 0) continue;
                string path = line[slash..].Trim();
                if (Path.GetFileName(path) == fileName) return path;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
