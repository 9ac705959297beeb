using System.CommandLine;
using TorchMixing;

namespace TorchMixing.Cli;

/// <summary>
/// Runs the command tree with one error policy: a <see cref="UserInputException"/> (bad file, field, weight,
/// command line) prints one clear line and exits 2; anything else is a bug and prints its stack trace, exit 1.
/// </summary>
public static class CliHost
{
    public const int UserError = 2;
    public const int InternalError = 1;

    public static int Run(RootCommand root, string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        if (stdout is not null) config.Output = stdout;
        if (stderr is not null) config.Error = stderr;
        var err = stderr ?? Console.Error;
        try
        {
            return root.Parse(args).Invoke(config);
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
        catch (Exception e) when (FindUserError(e) is { } inner)
        {
            err.WriteLine($"error: {inner.Message}");
            return UserError;
        }
        catch (Exception e)
        {
            err.WriteLine($"internal error (please report): {e}");
            return InternalError;
        }
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
