using System.Diagnostics;
using System.Text.RegularExpressions;
using GanSharp.Cli;
using Xunit;

namespace GanSharp.Tests.Cli;

public class CliPolishTests
{
    private static string OneErrorLine(params string[] args)
    {
        var (code, stdout, err) = TestUtil.RunCli(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var lines = err.TrimEnd().Split('\n');
        Assert.True(lines.Length == 1, $"expected one line, got {lines.Length}:\n{err}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.EndsWith("--help')", lines[0]);
        return lines[0];
    }

    [Fact]
    public void AnUnknownModelGivesOneLineWithTheChoices()
    {
        string line = OneErrorLine("train", "no-such-model");
        // e.g. "error: unknown model 'no-such-model': use one of cgan, dcgan, mlp, semisup (see 'gansharp train --help')"
        // (other tests may register toy families, which then appear in the list too)
        Assert.StartsWith("error: unknown model 'no-such-model': use one of ", line);
        Assert.EndsWith(" (see 'gansharp train --help')", line);
        foreach (var model in new[] { "cgan", "dcgan", "mlp", "semisup" }) Assert.Contains(model, line);
        Assert.True(line.Length < 300, line);
    }

    [Fact]
    public void InvalidOptionValuesUnknownOptionsAndCommandsGiveOneLine()
    {
        Assert.Contains("invalid value 'abc' for --steps: expected an integer", OneErrorLine("train", "dcgan", "--steps", "abc"));
        Assert.Contains("invalid value 'x' for --lr-g: expected a number", OneErrorLine("train", "dcgan", "--lr-g", "x"));
        string loss = OneErrorLine("train", "dcgan", "--loss", "foo");
        Assert.Contains("unknown value 'foo' for --loss: use one of gan, wgan, wgan-gp", loss);
        Assert.Contains("hinge, lsgan", loss);
        Assert.Contains("unknown option '--stepz' for 'gansharp train' (did you mean --steps?)", OneErrorLine("train", "dcgan", "--stepz", "3"));
        string cmd = OneErrorLine("exprt");
        Assert.Contains("unknown command 'exprt' (did you mean export?)", cmd);
        Assert.Contains("train, sample, eval", cmd);
        Assert.Contains("needs a command", OneErrorLine());
        Assert.Contains("unknown value 'onnx' for --format: use one of safetensors", OneErrorLine("export", "r", "--format", "onnx", "--out", "x.safetensors"));
        Assert.Contains("unknown shell 'fish': use one of bash, zsh", OneErrorLine("completion", "fish"));
    }

    [Fact]
    public void HelpIsStillTheWholeHelp()
    {
        var (code, stdout, _) = TestUtil.RunCli("train", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--steps", stdout);
        Assert.True(stdout.Split('\n').Length > 40);
    }

    [Fact]
    public void VersionNamesTheCommit()
    {
        var (code, stdout, _) = TestUtil.RunCli("--version");
        Assert.Equal(0, code);
        Assert.Single(stdout.TrimEnd().Split('\n'));
        Assert.Matches(new Regex(@"^gansharp \d+\.\d+\.\d+\S* \(commit ([0-9a-f]{40}|unknown: built outside a git checkout); TorchSharp \d+\.\d+\.\d+; \.NET "), stdout);
        Assert.Equal(("0.1.0", "abc"), VersionInfo.Split("0.1.0+abc"));
        Assert.Equal(("0.1.0", (string?)null), VersionInfo.Split("0.1.0"));
    }

    [Theory]
    //          NO_COLOR  CI      TERM     redirected interactive → colour, live
    [InlineData(null, null, "xterm", false, true, true, true)]
    [InlineData("1", null, "xterm", false, true, false, true)]       // NO_COLOR: no colour, the bar stays
    [InlineData("", null, "xterm", false, true, true, true)]         // an empty NO_COLOR does not count
    [InlineData(null, null, "xterm", true, true, false, false)]      // redirected: plain lines, no colour
    [InlineData(null, "true", "xterm", false, true, true, false)]    // CI: plain lines
    [InlineData(null, "false", "xterm", false, true, true, true)]
    [InlineData(null, null, "dumb", false, true, false, false)]
    [InlineData(null, null, "xterm", false, false, true, false)]     // not interactive
    public void ColoursAndTheLiveBarFollowTheConsole(string? noColor, string? ci, string term, bool redirected, bool interactive, bool color, bool live)
    {
        var env = new Dictionary<string, string?> { ["NO_COLOR"] = noColor, ["CI"] = ci, ["TERM"] = term };
        Assert.Equal(new ConsoleMode(color, live), ConsoleMode.Detect(k => env.GetValueOrDefault(k), redirected, interactive));
    }

    [Fact]
    public void TheSuggestDirectiveCompletesModelsAndOptionValues()
    {
        var (code, stdout, _) = TestUtil.RunCli("[suggest:9]", "train dcg");
        Assert.Equal(0, code);
        Assert.Equal("dcgan", stdout.Trim());
        (_, stdout, _) = TestUtil.RunCli("[suggest:19]", "train dcgan --loss ");
        var losses = stdout.Trim().Split('\n');
        Assert.Subset(losses.ToHashSet(), new HashSet<string> { "gan", "hinge", "lsgan", "wgan", "wgan-gp" });
        Assert.DoesNotContain(losses, l => l.StartsWith('-')); // values, not options
    }

    [Fact]
    public void TheBashScriptCompletesThroughGansharp()
    {
        var (code, script, _) = TestUtil.RunCli("completion", "bash");
        Assert.Equal(0, code);
        Assert.Contains("complete -o default -F _gansharp_complete gansharp", script);
        Assert.Contains("#compdef gansharp", TestUtil.RunCli("completion", "zsh").Out);
        if (!File.Exists("/bin/bash")) return; // the script itself is checked where bash exists
        using var tmp = new TestUtil.TempDir();
        string file = Path.Combine(tmp.Path, "gansharp.bash");
        File.WriteAllText(file, script);
        string cli = Path.Combine(AppContext.BaseDirectory, "GanSharp.Cli.dll");
        string Complete(string line) => RunBash($$"""
            source '{{file}}'
            gansharp() { dotnet '{{cli}}' "$@"; }
            COMP_LINE='{{line}}'; COMP_POINT=${#COMP_LINE}
            read -ra COMP_WORDS <<< "$COMP_LINE"
            _gansharp_complete
            printf '%s\n' "${COMPREPLY[@]}"
            """);
        var wg = Complete("gansharp train dcgan --loss wg").Trim().Split('\n');
        Assert.Contains("wgan", wg);
        Assert.Contains("wgan-gp", wg);
        Assert.All(wg, w => Assert.StartsWith("wg", w));
        var options = Complete("gansharp train dcgan --").Trim().Split('\n');
        Assert.Contains("--steps", options);
        Assert.DoesNotContain("/?", options); // Windows-style help aliases filtered out
        Assert.DoesNotContain("-?", options);
    }

    private static string RunBash(string script)
    {
        var psi = new ProcessStartInfo("/bin/bash") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(script);
        p.StandardInput.Close();
        string output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(30_000));
        return output;
    }
}
