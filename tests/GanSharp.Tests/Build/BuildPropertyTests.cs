using System.Diagnostics;
using Xunit;

namespace GanSharp.Tests.Build;

public class BuildPropertyTests
{
    private static string RepoRoot() => TestUtil.RepoRoot();

    private static string PackageReferences(string extra)
    {
        var psi = new ProcessStartInfo("dotnet",
            $"msbuild src/GanSharp/GanSharp.csproj -getItem:PackageReference -nologo {extra}")
        {
            WorkingDirectory = RepoRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, output + p.StandardError.ReadToEnd());
        return output;
    }

    /// <summary>Runs msbuild twice (several seconds each on a busy machine): Slow.</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void CudaBackendPropertySwapsTheLibTorchPackageAtEvaluation()
    {
        string cpu = PackageReferences("");
        Assert.Contains("\"libtorch-cpu-linux-x64\"", cpu);
        Assert.DoesNotContain("libtorch-cuda", cpu);

        string cuda = PackageReferences("-p:GanSharpTorchBackend=cuda -p:LibTorchCudaPackage=libtorch-cuda-12.8-linux-x64");
        Assert.Contains("\"libtorch-cuda-12.8-linux-x64\"", cuda);
        Assert.DoesNotContain("libtorch-cpu-linux-x64", cuda);
    }
}
