using System.CommandLine;
using TorchMixing.Cli;
using TorchMixing.Cli.Commands;

namespace TorchMixing.Tests.Cli;

public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var root = new RootCommand("test") { DemoCommand.Create() };
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliHost.Run(root, args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Unknown_verb_fails_with_a_message_not_a_stack_trace()
    {
        var (code, _, err) = Run("frobnicate");
        Assert.NotEqual(0, code);
        Assert.Contains("frobnicate", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void Bad_option_value_is_a_user_error()
    {
        var (code, _, err) = Run("demo", "--steps", "0");
        Assert.Equal(CliHost.UserError, code);
        Assert.Equal("error: --steps must be at least 1.", err.Trim());
    }

    [Fact]
    public void Help_lists_the_commands()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("demo", output);
    }
}
