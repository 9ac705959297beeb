namespace TorchMixing.Sweeps;

/// <summary>POSIX shell quoting for generated job scripts: plain words stay readable, anything else is single-quoted.</summary>
public static class ShellQuote
{
    public static string Word(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:+,@%".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";

    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Word));
}
