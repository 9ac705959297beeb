using System.CommandLine;
using TorchMixing;

namespace TorchMixing.Cli;

/// <summary>
/// Runs the command tree with one error policy. Exit codes: 0 success; 2 a malformed command line (unknown verb or
/// option, missing or malformed value; see <see cref="CommandLineError"/>) or a <see cref="UserInputException"/> (bad
/// file, field, weight, option value); 3 an <see cref="EnvironmentException"/> or any file-system refusal (permission,
/// full disk, read-only place, a file where a folder is expected, a run folder locked by another process); 130
/// cancelled. Codes 2 and 3 print one <c>error:</c> line and no stack trace. Anything else is a bug: its stack trace,
/// exit 1.
/// </summary>
public static class CliHost
{
    public const int UserError = 2;
    public const int InternalError = 1;
    public const int EnvironmentError = 3;

    public static int Run(RootCommand root, string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        if (stdout is not null) config.Output = stdout;
        if (stderr is not null) config.Error = stderr;
        var err = stderr ?? Console.Error;
        try
        {
            var parse = root.Parse(args);
            if (CommandLineError.Of(parse) is { } malformed)
            {
                err.WriteLine($"error: {malformed}");
                return UserError;
            }
            return parse.Invoke(config);
        }
        catch (UserInputException e)
        {
            err.WriteLine($"error: {e.Message}");
            return UserError;
        }
        catch (OperationCanceledException)
        {
            err.WriteLine("cancelled.");
            return 130;
        }
        catch (EnvironmentException e)
        {
            err.WriteLine($"error: {e.Message}");
            return EnvironmentError;
        }
        catch (Exception e) when (FindUserError(e) is { } inner)
        {
            err.WriteLine($"error: {inner.Message}");
            return UserError;
        }
        catch (Exception e) when (Find<EnvironmentException>(e) is { } inner)
        {
            err.WriteLine($"error: {inner.Message}");
            return EnvironmentError;
        }
        catch (Exception e) when (Find<Exception>(e, EnvironmentException.IsFileSystemError) is { } io)
        {
            // A refusal the code did not wrap with its own words: .NET's message names the path ("Access to the path
            // '…' is denied", "No space left on device : '…'"), put in the documented "<path>: cannot … (<cause>)" form.
            err.WriteLine($"error: {EnvironmentException.Describe(io)}");
            return EnvironmentError;
        }
        catch (Exception e)
        {
            err.WriteLine($"internal error (please report): {e}");
            return InternalError;
        }
    }

    /// <summary>Runs <paramref name="write"/>, reporting a file-system refusal as an error about <paramref name="path"/>.</summary>
    public static T Writing<T>(string path, string what, Func<T> write)
    {
        try { return write(); }
        catch (Exception e) when (EnvironmentException.IsFileSystemError(e)) { throw EnvironmentException.From(e, path, what); }
    }

    private static T? Find<T>(Exception e, Func<Exception, bool>? match = null) where T : Exception
    {
        for (Exception? cur = e; cur is not null; cur = cur.InnerException)
        {
            if (cur is T t && (match is null || match(cur))) return t;
            if (cur is AggregateException agg && agg.InnerExceptions.Count == 1) return Find<T>(agg.InnerExceptions[0], match);
        }
        return null;
    }

    // Async code and type initializers wrap our exceptions; unwrap them so the user still gets the clear message.
    private static UserInputException? FindUserError(Exception e)
    {
        for (Exception? cur = e; cur is not null; cur = cur.InnerException)
        {
            if (cur is UserInputException u) return u;
            if (cur is AggregateException agg && agg.InnerExceptions.Count == 1) return FindUserError(agg.InnerExceptions[0]);
        }
        return null;
    }
}
