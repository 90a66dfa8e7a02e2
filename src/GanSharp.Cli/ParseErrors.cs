using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace GanSharp.Cli;

/// <summary>
/// Turns System.CommandLine's parse errors into one line: what was wrong, the valid choices, and where the help
/// is. (Its default prints every error followed by the whole help text, ~80 lines for `train`.)
/// </summary>
public static partial class ParseErrors
{
    /// <summary>The one-line message for a parse result with errors (without the "error: " prefix).</summary>
    public static string OneLine(ParseResult parse)
    {
        // "Required command was not provided" comes with a more telling error when a word was there.
        var error = parse.Errors.FirstOrDefault(e => !e.Message.StartsWith("Required command was not provided", StringComparison.Ordinal))
            ?? parse.Errors[0];
        string command = CommandPath(parse.CommandResult);
        string hint = $"(see '{command} --help')";
        return $"{Describe(error, parse, command)} {hint}";
    }

    private static string Describe(ParseError error, ParseResult parse, string command)
    {
        string message = error.Message;

        // AcceptOnlyFromAmong: "Argument 'x' not recognized. Must be one of:\n\t'a'\n\t'b'"
        var notRecognized = NotRecognized().Match(message);
        if (notRecognized.Success)
        {
            string value = notRecognized.Groups[1].Value;
            var choices = Quoted().Matches(message[notRecognized.Length..]).Select(m => m.Groups[1].Value).ToList();
            string what = SymbolName(error.SymbolResult) is { } name ? (name.StartsWith('-') ? $"value '{value}' for {name}" : $"{name} '{value}'") : $"value '{value}'";
            return $"unknown {what}: use one of {string.Join(", ", choices)}";
        }

        // Type conversion: "Cannot parse argument 'abc' for option '--steps' as expected type 'System.Int32'."
        var cannotParse = CannotParse().Match(message);
        if (cannotParse.Success)
        {
            string value = cannotParse.Groups[1].Value, symbol = cannotParse.Groups[2].Value;
            var type = (error.SymbolResult as ArgumentResult)?.Argument.ValueType
                ?? (error.SymbolResult as OptionResult)?.Option.ValueType;
            return $"invalid value '{value}' for {symbol}: expected {Expected(type)}";
        }

        var unrecognized = Unrecognized().Match(message);
        if (unrecognized.Success)
        {
            string token = unrecognized.Groups[1].Value;
            var cmd = parse.CommandResult.Command;
            if (token.StartsWith('-'))
            {
                var names = cmd.Options.Concat(Ancestors(parse.CommandResult).SelectMany(c => c.Options.Where(o => o.Recursive)))
                    .SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal)).Distinct().ToList();
                string? near = Nearest(token, names);
                return $"unknown option '{token}' for '{command}'" + (near is null ? "" : $" (did you mean {near}?)");
            }
            if (cmd.Subcommands.Count > 0)
            {
                var commands = cmd.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
                string? near = Nearest(token, commands);
                return $"unknown command '{token}'{(near is null ? "" : $" (did you mean {near}?)")}: use one of {string.Join(", ", commands)}";
            }
            return $"unexpected argument '{token}' for '{command}'";
        }

        if (message.StartsWith("Required command was not provided", StringComparison.Ordinal))
            return $"'{command}' needs a command: use one of {string.Join(", ", parse.CommandResult.Command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}";

        return Regex.Replace(message, @"\s*\n\s*", " ").Trim();
    }

    private static string? SymbolName(SymbolResult? result) => result switch
    {
        ArgumentResult { Parent: OptionResult o } => o.Option.Name,
        ArgumentResult a => a.Argument.Name,
        OptionResult o => o.Option.Name,
        _ => null,
    };

    private static string Expected(Type? type)
    {
        var t = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        if (t is not null && t.IsArray) t = t.GetElementType();
        return t switch
        {
            _ when t == typeof(int) || t == typeof(long) || t == typeof(short) => "an integer",
            _ when t == typeof(double) || t == typeof(float) || t == typeof(decimal) => "a number",
            _ when t == typeof(bool) => "true or false",
            _ when t == typeof(FileInfo) || t == typeof(DirectoryInfo) => "a path",
            null => "another value",
            _ => $"a {t.Name}",
        };
    }

    private static IEnumerable<Command> Ancestors(CommandResult result)
    {
        for (var p = result.Parent as CommandResult; p is not null; p = p.Parent as CommandResult) yield return p.Command;
    }

    /// <summary>"gansharp train": the root is always called gansharp (the tool command name), whatever the host.</summary>
    public static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (CommandResult? c = result; c is not null; c = c.Parent as CommandResult)
            names.Add(c.Command is RootCommand ? "gansharp" : c.Command.Name);
        names.Reverse();
        return string.Join(" ", names);
    }

    /// <summary>The closest name within edit distance 2 (typos), or null.</summary>
    public static string? Nearest(string token, IEnumerable<string> names)
    {
        string? best = null;
        int bestDistance = 3;
        foreach (var n in names)
        {
            int d = Levenshtein(token, n);
            if (d < bestDistance) (best, bestDistance) = (n, d);
        }
        return best;
    }

    private static int Levenshtein(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }

    [GeneratedRegex(@"^Argument '(.*?)' not recognized\. Must be one of:", RegexOptions.Singleline)]
    private static partial Regex NotRecognized();

    [GeneratedRegex(@"'([^']*)'")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"^Cannot parse argument '(.*?)' for (?:option|command|argument) '(.*?)'")]
    private static partial Regex CannotParse();

    [GeneratedRegex(@"^Unrecognized command or argument '(.*?)'")]
    private static partial Regex Unrecognized();
}
