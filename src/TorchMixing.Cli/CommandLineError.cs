using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
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
    /// <summary>
    /// The message (without the "error: " prefix) when the command line is malformed, else null: a parse error, or a
    /// word that looks like an option standing where the verb takes a file or folder (System.CommandLine would hand
    /// `compare runs/a --bogus` a run folder named "--bogus"; a real name starting with '-' can follow `--`).
    /// </summary>
    public static string? Of(ParseResult parse)
    {
        string? what = parse.Errors.Count > 0 ? What(parse, parse.CommandResult.Command) : OptionLikeArgument(parse);
        if (what is null) return null;
        string path = CommandPath(parse.CommandResult);
        return $"{path}: {what} (see {path} --help)";
    }

    private static string? OptionLikeArgument(ParseResult parse)
    {
        if (parse.Tokens.Any(t => t.Type == TokenType.DoubleDash)) return null;
        var token = parse.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens)
            .FirstOrDefault(t => t.Value.Length > 1 && t.Value[0] == '-' && !double.TryParse(t.Value, CultureInfo.InvariantCulture, out _));
        return token is null ? null : $"unknown option '{token.Value}'";
    }

    private static string What(ParseResult parse, Command command)
    {
        // A word nothing accepted: an option this verb does not have, a verb that does not exist, or an extra argument.
        // The first one is the cause; later ones are usually its value ('--threads 1' leaves '1' unmatched too).
        if (OptionLikeArgument(parse) is { } optionLike) return optionLike;
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
        if (OptionOf(error.SymbolResult) is { } option && CannotParse().Match(error.Message) is { Success: true } bad)
            return $"option '{option.Name}': '{bad.Groups[1].Value}' is not {Expected(option.ValueType)}";
        // Anything else System.CommandLine says ("Option '--config' is required.", "Required argument missing for
        // option: '--config'.", "Argument 'x' not recognized. Must be one of: 'test', 'validation'"), on one line.
        return OneLine().Replace(ListStart().Replace(error.Message.Trim(), ": "), ", ").TrimEnd('.');
    }

    private static Option? OptionOf(SymbolResult? result) => result switch
    {
        OptionResult o => o.Option,
        ArgumentResult { Parent: OptionResult o } => o.Option,
        _ => null,
    };

    private static string Names(Command command) => string.Join(", ", command.Subcommands.Where(s => !s.Hidden).Select(s => s.Name));

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? cur = result; cur is not null; cur = cur.Parent)
            if (cur is CommandResult c) names.Add(c.Command is RootCommand ? "torchmix" : c.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsArray) type = type.GetElementType()!;
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()));
        if (type == typeof(int) || type == typeof(long)) return "a whole number";
        if (type == typeof(double) || type == typeof(float)) return "a number";
        if (type == typeof(bool)) return "true or false";
        return $"a valid {type.Name}";
    }

    [GeneratedRegex(@"^Cannot parse argument '(.*?)' for ")]
    private static partial Regex CannotParse();

    [GeneratedRegex(@":\s*\n\s*")]
    private static partial Regex ListStart();

    [GeneratedRegex(@"\s*\n\s*")]
    private static partial Regex OneLine();
}
