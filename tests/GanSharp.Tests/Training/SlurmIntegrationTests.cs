using System.Diagnostics;
using Xunit;

namespace GanSharp.Tests.Training;

/// <summary>Runs only where a single-node Slurm cluster can be brought up: Slurm installed, or root with apt-get.</summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        static bool OnPath(string exe) => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Any(d => d.Length > 0 && File.Exists(Path.Combine(d, exe)));
        bool installed = OnPath("sbatch") && OnPath("slurmctld") && OnPath("munged");
        bool root = Environment.UserName == "root";
        if (!OperatingSystem.IsLinux()) Skip = "the Slurm integration test runs on Linux only";
        else if (!root) Skip = "the Slurm integration test starts slurmd, which needs root here";
        else if (!installed && !OnPath("apt-get")) Skip = "Slurm is not installed and there is no apt-get to install slurm-wlm";
    }
}

public class SlurmIntegrationTests
{
    /// <summary>
    /// tests/slurm/sweep-on-slurm.sh: a real single-node cluster, a 4-job sweep submitted as a throttled array,
    /// cancelled mid-run, re-submitted (finished jobs skipped, interrupted ones resumed), and the table checked.
    /// </summary>
    [SlurmFact]
    [Trait("Category", "Slow")]
    public void SweepRunsAsAJobArrayOnASingleNodeCluster()
    {
        string repo = TestUtil.RepoRoot();
        string cli = Path.Combine(AppContext.BaseDirectory, "GanSharp.Cli.dll");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(repo, "tests", "slurm", "sweep-on-slurm.sh"));
        psi.Environment["GANSHARP"] = $"dotnet {cli}";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(15)), "the Slurm sweep did not finish in 15 minutes");
        string all = output + err.Result;
        Assert.True(p.ExitCode == 0, $"exit code {p.ExitCode}:\n{all}");
        Assert.Contains("PASS: slurm sweep", all);
        Assert.Contains("| vanilla | 2/2 |", all);
        Assert.Contains("| minimax | 2/2 |", all);
    }
}
