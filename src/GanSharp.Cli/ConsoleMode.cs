using Spectre.Console;

namespace GanSharp.Cli;

/// <summary>
/// How the CLI writes to this console: colours only on a terminal without NO_COLOR (no-color.org: set and not
/// empty) or TERM=dumb; the live progress bar only on an interactive terminal that is not a CI job, plain lines
/// otherwise (logs keep one line per report instead of cursor movements).
/// </summary>
public sealed record ConsoleMode(bool Color, bool Live)
{
    public static ConsoleMode Detect() => Detect(Environment.GetEnvironmentVariable, Console.IsOutputRedirected,
        AnsiConsole.Profile.Capabilities.Interactive);

    public static ConsoleMode Detect(Func<string, string?> env, bool outputRedirected, bool terminalInteractive)
    {
        bool dumb = string.Equals(env("TERM"), "dumb", StringComparison.Ordinal);
        bool noColor = !string.IsNullOrEmpty(env("NO_COLOR"));
        bool ci = !string.IsNullOrEmpty(env("CI")) && !string.Equals(env("CI"), "false", StringComparison.OrdinalIgnoreCase);
        return new ConsoleMode(
            Color: !outputRedirected && !noColor && !dumb,
            Live: !outputRedirected && terminalInteractive && !dumb && !ci);
    }

    /// <summary>Applies the colour choice to Spectre.Console (which otherwise decides on its own).</summary>
    public void Apply()
    {
        if (!Color) AnsiConsole.Profile.Capabilities.ColorSystem = ColorSystem.NoColors;
    }
}
