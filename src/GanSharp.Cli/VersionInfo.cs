using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace GanSharp.Cli;

/// <summary>
/// `gansharp --version`: the version and the git commit it was built from. The .NET SDK embeds the commit at build
/// time (SourceLink reads .git: no git binary needed) as "VERSION+SHA" in AssemblyInformationalVersion; a build
/// outside a git checkout has no "+SHA", shown as "commit unknown".
/// </summary>
public static class VersionInfo
{
    public static string Line()
    {
        var asm = typeof(VersionInfo).Assembly;
        string informational = asm.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? asm.GetName().Version?.ToString() ?? "0.0.0";
        var (version, commit) = Split(informational);
        string torchSharp = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "?";
        return $"gansharp {version} (commit {commit ?? "unknown: built outside a git checkout"}; TorchSharp {torchSharp}; .NET {Environment.Version})";
    }

    /// <summary>"0.1.0+abc123" → ("0.1.0", "abc123"); "0.1.0" → ("0.1.0", null).</summary>
    public static (string Version, string? Commit) Split(string informational)
    {
        int plus = informational.IndexOf('+');
        return plus < 0 ? (informational, null) : (informational[..plus], informational[(plus + 1)..]);
    }

    /// <summary>Replaces System.CommandLine's version action (the bare informational version) with <see cref="Line"/>.</summary>
    public static void Install(RootCommand root)
    {
        foreach (var option in root.Options.OfType<VersionOption>()) option.Action = new PrintVersion();
    }

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            Console.Out.WriteLine(Line());
            return 0;
        }
    }
}
