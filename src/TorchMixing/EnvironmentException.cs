namespace TorchMixing;

/// <summary>
/// The machine refused something on a path the user chose (no permission, a full disk, a file where a folder is
/// expected, a run folder held by another process). Like <see cref="UserInputException"/> it is reported as one
/// <c>error:</c> line naming the path and the cause — no stack trace — but with its own exit code (3), so scripts can
/// tell "fix the command" from "fix the machine". Data already written stays intact (everything is written
/// atomically), so the same command can simply be run again once the cause is fixed.
/// </summary>
public sealed class EnvironmentException : Exception
{
    public EnvironmentException(string message) : base(message) { }
    public EnvironmentException(string message, Exception inner) : base(message, inner) { }

    /// <summary>True for the exceptions .NET raises when the file system refuses an operation.</summary>
    public static bool IsFileSystemError(Exception e) => e is IOException or UnauthorizedAccessException;

    /// <summary>Wraps a file-system failure while doing <paramref name="what"/> on <paramref name="path"/>.</summary>
    public static EnvironmentException From(Exception e, string path, string what) =>
        new($"{path}: cannot {what} ({Cause(e)}).", e);

    /// <summary>
    /// The documented one-line form (<c>&lt;path&gt;: cannot … (&lt;cause&gt;)</c>) for a refusal that no code wrapped
    /// with its own words: the path is taken from .NET's message ("No space left on device : '/x'", "Access to the
    /// path '/x' is denied."); without one the message says only the cause.
    /// </summary>
    public static string Describe(Exception e)
    {
        var quoted = System.Text.RegularExpressions.Regex.Match(e.Message, "'([^']+)'");
        return quoted.Success ? From(e, quoted.Groups[1].Value, "write or read here").Message : $"the file system refused an operation ({Cause(e)}).";
    }

    private static string Cause(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        IOException io when io.HResult == 28 || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase) => "no space left on the device",
        IOException io when io.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase) => "read-only file system",
        _ => e.Message,
    };
}
