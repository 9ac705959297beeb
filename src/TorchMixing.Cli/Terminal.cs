using Spectre.Console;

namespace TorchMixing.Cli;

/// <summary>
/// Console output in one place: Spectre tables and progress when attached to a terminal, plain lines otherwise
/// (CI logs, pipes), because Spectre's live widgets write cursor codes into redirected output.
/// </summary>
public static class Terminal
{
    public static bool IsInteractive =>
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Prints a table: boxed when interactive, aligned plain text otherwise (still readable in logs).</summary>
    public static void Table(string? title, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var rowList = rows.ToList();
        if (IsInteractive)
        {
            var t = new Table().Border(TableBorder.Rounded);
            if (title is not null) t.Title(Markup.Escape(title));
            foreach (var h in headers) t.AddColumn(new TableColumn(Markup.Escape(h)));
            foreach (var r in rowList) t.AddRow(r.Select(c => Markup.Escape(c)).ToArray());
            AnsiConsole.Write(t);
            return;
        }
        var widths = headers.Select((h, i) => Math.Max(h.Length, rowList.Count == 0 ? 0 : rowList.Max(r => r[i].Length))).ToArray();
        if (title is not null) Console.WriteLine(title);
        Console.WriteLine(string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        Console.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var r in rowList)
            Console.WriteLine(string.Join("  ", r.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
    }

    public static void Info(string line) => Console.WriteLine(line);
}
