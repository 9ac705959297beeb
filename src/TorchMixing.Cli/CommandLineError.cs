using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace TorchMixing.Cli;

/// <summary>
/// Turns System.CommandLine's parse errors into the one <c>error:</c> line every bad input gets (exit 2), instead of
/// its default: several lines, the full help text and exit 1 (the code reserved for bugs). The line names the
/// command, the offending token or option, and where to look: `error: torchmix train: unknown option '--threads'
/// (see torchmix train --help)`.
/// </summary>
public static partial class CommandLineError
{
    /// <summary>The message (without the "error: " prefix) for a parse result with errors.</summary>
    public static string Describe(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        string path = CommandPath(parse.CommandResult);
        return $"{path}: {What(parse, command)} (see {path} --help)";
    }

    private static string What(ParseResult parse, Command command)
    {
        // A word nothing accepted: an option this verb does not have, a verb that does not exist, or an extra argument.
        // The first one is the cause; later ones are usually its value ('--threads 1' leaves '1' unmatched too).
        if (parse.UnmatchedTokens.Count > 0)
        {
            string token = parse.UnmatchedTokens[0];
            if (token.StartsWith('-')) return $"unknown option '{token}'";
            if (command.Subcommands.Count > 0 && command.Arguments.Count == 0)
                return $"unknown command '{token}'; expected one of {Names(command)}";
            return $"unexpected argument '{token}'";
        }
        var error = parse.Errors[0];
        if (error.SymbolResult is CommandResult { Command: var c } && c.Subcommands.Count > 0 && c.Action is null && c.Arguments.Count == 0)
            return $"expected a command: one of {Names(c)}";
        // "Cannot parse argument 'abc' for option '--stop-after' as expected type 'System.Nullable`1[System.Int64]'."
        return ExpectedType().Replace(error.Message.TrimEnd('.'), m => $": expected {Friendly(m.Groups[1].Value)}");
    }

    private static string Names(Command command) => string.Join(", ", command.Subcommands.Where(s => !s.Hidden).Select(s => s.Name));

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? cur = result; cur is not null; cur = cur.Parent)
            if (cur is CommandResult c) names.Add(c.Command is RootCommand ? "torchmix" : c.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    private static string Friendly(string typeName)
    {
        string t = NullableOf().Match(typeName) is { Success: true } m ? m.Groups[1].Value : typeName;
        return t switch
        {
            "System.Int32" or "System.Int64" => "a whole number",
            "System.Double" or "System.Single" => "a number",
            "System.Boolean" => "true or false",
            _ => $"a {t[(t.LastIndexOf('.') + 1)..]}",
        };
    }

    [GeneratedRegex(@" as expected type '([^']+)'")]
    private static partial Regex ExpectedType();

    [GeneratedRegex(@"^System\.Nullable`1\[(.+)\]$")]
    private static partial Regex NullableOf();
}
