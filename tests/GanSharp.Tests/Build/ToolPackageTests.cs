using System.Diagnostics;
using Xunit;

namespace GanSharp.Tests.Build;

/// <summary>
/// The packaged .NET tool as a user gets it: `dotnet pack` of the CLI, then `dotnet tool install --add-source`
/// from a clean directory, then the installed `gansharp` trains a tiny run. Packing bundles libtorch (a ~140 MB
/// package) and takes minutes: Slow.
/// </summary>
public class ToolPackageTests
{
    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Directory.Packages.props"))) return d.FullName;
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }

    private static (int Code, string Output) Run(string file, string args, string cwd, IDictionary<string, string>? env = null, int timeoutSeconds = 900)
    {
        var psi = new ProcessStartInfo(file, args) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {args} ran past {timeoutSeconds} s");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void ThePackedToolInstallsFromACleanDirectoryAndTrains()
    {
        string tmp = Path.Combine(Path.GetTempPath(), "gansharp-tool-" + Guid.NewGuid().ToString("N"));
        string nupkgs = Path.Combine(tmp, "nupkg"), tools = Path.Combine(tmp, "tools"), clean = Path.Combine(tmp, "clean");
        Directory.CreateDirectory(clean);
        // A version of its own: the installed tool must be this build, not a package cached earlier.
        string version = $"0.0.1-toolcheck.{DateTime.UtcNow:yyyyMMddHHmmss}";
        // An empty package cache for the install, so that the user's global cache is neither used nor filled.
        var env = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(tmp, "nuget-cache"), ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" };
        try
        {
            var (code, output) = Run("dotnet", $"pack src/GanSharp.Cli -c Release -o \"{nupkgs}\" -p:Version={version} -nologo", RepoRoot());
            Assert.True(code == 0, output);
            string nupkg = Assert.Single(Directory.GetFiles(nupkgs, "*.nupkg"));
            Assert.Equal($"GanSharp.Cli.{version}.nupkg", Path.GetFileName(nupkg));

            (code, output) = Run("dotnet", $"tool install GanSharp.Cli --version {version} --tool-path \"{tools}\" --add-source \"{nupkgs}\" --ignore-failed-sources", clean, env);
            Assert.True(code == 0, output);
            Assert.Contains("successfully installed", output);
            string gansharp = Path.Combine(tools, OperatingSystem.IsWindows() ? "gansharp.exe" : "gansharp");

            (code, output) = Run(gansharp, "--version", clean);
            Assert.True(code == 0, output);
            Assert.StartsWith($"gansharp {version} (commit ", output);

            (code, output) = Run(gansharp, "train mlp --preset mlp-ring --steps 20 --log-every 5 --threads 1 --out runs --name tool", clean);
            Assert.True(code == 0, output);
            Assert.True(File.Exists(Path.Combine(clean, "runs", "tool", "checkpoints", "step-000020.ckpt")), output);
            Assert.Equal(5, File.ReadAllLines(Path.Combine(clean, "runs", "tool", "metrics.jsonl")).Length);  // steps 1, 5, 10, 15, 20

            (code, output) = Run(gansharp, "train no-such-model", clean);
            Assert.Equal(2, code);
            Assert.StartsWith("error: unknown model 'no-such-model'", output.Trim());
        }
        finally
        {
            try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
        }
    }
}
