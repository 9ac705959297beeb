using TorchMixing.Cli;

namespace TorchMixing.Tests.Cli;

/// <summary>
/// The command line of every verb, parsed by the real `torchmix` tree (<see cref="TorchmixRoot"/>): a malformed
/// command line is a user error — exit 2 and exactly one <c>error:</c> line naming the command and the culprit — never
/// exit 1 (kept for bugs), help text or a stack trace. None of these cases gets as far as running anything.
/// </summary>
public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliHost.Run(TorchmixRoot.Create(), args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>Exit 2, nothing on stdout, and stderr exactly one line, which starts with <paramref name="prefix"/>.</summary>
    private static string AssertOneErrorLine(string[] args, string prefix)
    {
        var (code, output, err) = Run(args);
        string shown = $"torchmix {string.Join(' ', args)} → exit {code}, stderr:\n{err}";
        Assert.True(code == CliHost.UserError, shown);
        Assert.Equal("", output);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, shown);
        Assert.StartsWith(prefix, lines[0]);
        return lines[0];
    }

    /// <summary>Every verb of the tree, each with one of its options that takes a value.</summary>
    public static TheoryData<string, string> Verbs => new()
    {
        { "demo", "--steps" },
        { "train", "--config" },
        { "doremi", "--config" },
        { "compare", "--out" },
        { "export", "--format" },
        { "sweep", "--config" },
        { "transfer", "--config" },
        { "study linreg", "--threads" },
        { "study logreg", "--set" },
        { "study vision", "--config" },
        { "data prepare", "--out" },
        { "data inspect", "--text-column" },
        { "bench study", "--repeat" },
        { "bench data", "--catalog" },
        { "bench train", "--steps" },
        { "bench proxy", "--steps" },
        { "bench sweeps", "--sweeps" },
    };

    [Fact]
    public void The_verb_list_covers_the_whole_tree()
    {
        static IEnumerable<string> Leaves(System.CommandLine.Command c, string path) =>
            c.Subcommands.Count == 0 ? [path] : c.Subcommands.SelectMany(s => Leaves(s, (path + " " + s.Name).Trim()));
        var tested = Verbs.Select(row => (string)row[0]).Order();
        Assert.Equal(Leaves(TorchmixRoot.Create(), "").Order(), tested);
    }

    /// <summary>A value for the verb's file/folder argument, if it takes one, so an option's error is the only one.</summary>
    private static string[] Positional(string verb)
    {
        System.CommandLine.Command c = TorchmixRoot.Create();
        foreach (var name in verb.Split(' ')) c = c.Subcommands.Single(s => s.Name == name);
        return c.Arguments.Count > 0 ? ["runs/x"] : [];
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Unknown_option_is_one_error_line_and_exit_2(string verb, string _)
    {
        AssertOneErrorLine([.. verb.Split(' '), "--bogus"], $"error: torchmix {verb}: unknown option '--bogus'");
        // An unknown option with its value, after the verb's argument (where System.CommandLine alone would take it
        // for a second file name): the option is the culprit, not the value after it.
        AssertOneErrorLine([.. verb.Split(' '), .. Positional(verb), "--no-such-threads", "1"], $"error: torchmix {verb}: unknown option '--no-such-threads'");
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Option_without_its_value_is_one_error_line_and_exit_2(string verb, string option)
    {
        string line = AssertOneErrorLine([.. verb.Split(' '), .. Positional(verb), option], $"error: torchmix {verb}: ");
        Assert.Contains(option, line);
    }

    [Fact]
    public void Train_does_not_take_threads_the_config_does()
    {
        Assert.Equal("error: torchmix train: unknown option '--threads' (see torchmix train --help)",
            AssertOneErrorLine(["train", "--config", "experiments/lm-uniform.json", "--threads", "1"], "error:"));
    }

    [Theory]
    [InlineData("train --config c.json --stop-after abc", "error: torchmix train: option '--stop-after': 'abc' is not a whole number")]
    [InlineData("demo --steps many", "error: torchmix demo: option '--steps': 'many' is not a whole number")]
    [InlineData("export r --format hf --seed x", "error: torchmix export: option '--seed': 'x' is not a whole number")]
    [InlineData("sweep --config s.json --task first", "error: torchmix sweep: option '--task': 'first' is not a whole number")]
    [InlineData("study vision --threads two", "error: torchmix study vision: option '--threads': 'two' is not a whole number")]
    [InlineData("data inspect d --unit bytes", "error: torchmix data inspect: option '--unit': 'bytes' is not one of sequences, tokens")]
    [InlineData("bench data --generated-mb lots", "error: torchmix bench data: option '--generated-mb': 'lots' is not a")]
    [InlineData("compare r --split train", "error: torchmix compare: Argument 'train' not recognized. Must be one of: 'test', 'validation'")]
    public void Malformed_value_is_one_error_line_and_exit_2(string commandLine, string prefix) =>
        AssertOneErrorLine(commandLine.Split(' '), prefix);

    [Theory]
    [InlineData("frobnicate", "error: torchmix: unknown command 'frobnicate'; expected one of demo, train, doremi, compare, export, sweep, transfer, study, data, bench")]
    [InlineData("", "error: torchmix: expected a command: one of demo, train")]
    [InlineData("data", "error: torchmix data: expected a command: one of prepare, inspect")]
    [InlineData("study cifar", "error: torchmix study: unknown command 'cifar'; expected one of linreg, logreg, vision")]
    [InlineData("bench", "error: torchmix bench: expected a command: one of study, data, train, proxy")]
    [InlineData("train", "error: torchmix train: Option '--config' is required")]
    [InlineData("doremi", "error: torchmix doremi: Option '--config' is required")]
    [InlineData("sweep", "error: torchmix sweep: Option '--config' is required")]
    [InlineData("export runs/x", "error: torchmix export: Option '--format' is required")]
    [InlineData("compare", "error: torchmix compare: Required argument 'runs' missing")]
    [InlineData("data inspect", "error: torchmix data inspect: Required argument 'paths' missing")]
    [InlineData("demo extra", "error: torchmix demo: unexpected argument 'extra'")]
    public void Missing_or_unknown_command_or_argument_is_one_error_line_and_exit_2(string commandLine, string prefix) =>
        AssertOneErrorLine(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries), prefix);

    [Fact]
    public void A_file_named_like_an_option_is_passed_after_a_double_dash()
    {
        // Past `--` "-odd" is a run folder, not an option: compare then fails on the folder, naming it.
        var (code, _, err) = Run("compare", "--", "-odd");
        Assert.Equal(CliHost.UserError, code);
        Assert.Equal("error: -odd: run folder not found.", err.Trim());
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
