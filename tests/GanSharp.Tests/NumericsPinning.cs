using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GanSharp.Tests;

/// <summary>
/// Pins the native math libraries' code paths before libtorch loads, so recorded numbers (the golden runs) are
/// reproducible across machines of different vector widths: MKL's conditional numerical reproducibility at AVX2
/// and oneDNN's ISA capped at AVX2; and GANSHARP_BLAS=stock, so that no in-process training run switches MKL's
/// vendor path (BlasPathTests set it per child process). Set in the process environment (libc setenv: .NET's own copy of the
/// environment is not what native code reads). An explicit setting in the environment wins.
/// </summary>
internal static class NumericsPinning
{
    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    [ModuleInitializer]
    internal static void Pin()
    {
        if (!OperatingSystem.IsLinux()) return;
        foreach (var (k, v) in new[] { ("MKL_CBWR", "AVX2"), ("ONEDNN_MAX_CPU_ISA", "AVX2"), ("GANSHARP_BLAS", "stock") })
        {
            if (Environment.GetEnvironmentVariable(k) is not null) continue;
            SetEnv(k, v, 0);
            Environment.SetEnvironmentVariable(k, v);
        }
    }
}
