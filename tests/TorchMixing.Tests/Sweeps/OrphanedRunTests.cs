using TorchMixing.Sweeps;

namespace TorchMixing.Tests.Sweeps;

/// <summary>
/// A sweep killed while it starts a child can leave the child running (setpriv's parent-death signal is armed only after
/// the fork); the child then checks that its parent is still the sweep that started it, before touching its run folder.
/// </summary>
public sealed class OrphanedRunTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-orphan-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, true); } catch (IOException) { }
    }

    [Fact]
    public void A_train_whose_sweep_has_exited_refuses_to_start_and_writes_nothing()
    {
        string run = Path.Combine(_root, "run");
        // The test process is this child's parent; a different pid stands for the sweep that started it and is gone.
        var (code, output) = SweepProcesses.Run(["train", "--config", "experiments/lm-uniform.json", "--out", run],
            new Dictionary<string, string> { [ProcessIdentity.SweepPidVariable] = (Environment.ProcessId + 1).ToString() });
        Assert.Equal(2, code);
        Assert.Contains($"the sweep that started this run (pid {Environment.ProcessId + 1}) has exited (parent now {Environment.ProcessId})", output);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void A_train_whose_sweep_is_its_parent_runs()
    {
        string run = Path.Combine(_root, "run");
        var (code, output) = SweepProcesses.Run(["train", "--config", "experiments/lm-uniform.json", "--out", run, "--stop-after", "1",
                                                 "--set", "train.token_budget=4096", "--set", "train.eval_every=1000"],
            new Dictionary<string, string> { [ProcessIdentity.SweepPidVariable] = Environment.ProcessId.ToString() });
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(run, "config.json")));
    }
}
