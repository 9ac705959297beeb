using System.Text.Json.Nodes;
using TorchMixing.Sweeps;
using TorchMixing.Weighting;
using YamlDotNet.RepresentationModel;

namespace TorchMixing.Tests.Sweeps;

public class SchedulerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-sched-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>
    /// The Indexed Job read back by a YAML parser: one completion per run, the configured parallelism, every pod
    /// running its own index through `sweep --task $JOB_COMPLETION_INDEX` on the shared claim, and the report job.
    /// </summary>
    [Fact]
    public void KubernetesManifestIsAnIndexedJobWithOneCompletionPerRun()
    {
        string cfg = SweepProcesses.TinySweep(_root, [], n =>
            n["kubernetes"] = JsonNode.Parse("""{"image": "registry.example/torchmix:1", "volume_claim": "sweeps", "mount_path": "/data"}"""));
        string outDir = Path.Combine(_root, "out");
        var (code, output) = SweepProcesses.Run(["sweep", "--config", cfg, "--out", outDir, "--emit", "k8s"]);
        Assert.True(code == 0, output);
        var job = Load(Path.Combine(outDir, "k8s", KubernetesIndexedJob.JobFile));
        Assert.Equal("batch/v1", Scalar(job, "apiVersion"));
        Assert.Equal("Job", Scalar(job, "kind"));
        var spec = (YamlMappingNode)job["spec"];
        Assert.Equal("Indexed", Scalar(spec, "completionMode"));
        Assert.Equal("6", Scalar(spec, "completions"));
        Assert.Equal("2", Scalar(spec, "parallelism"));
        var pod = (YamlMappingNode)((YamlMappingNode)spec["template"])["spec"];
        Assert.Equal("Never", Scalar(pod, "restartPolicy"));
        var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"]).Children[0];
        Assert.Equal("registry.example/torchmix:1", Scalar(container, "image"));
        Assert.Equal("/data", Scalar(container, "workingDir"));
        var command = ((YamlSequenceNode)container["command"]).Children.Select(c => ((YamlScalarNode)c).Value).ToList();
        Assert.Equal("/bin/sh", command[0]);
        Assert.StartsWith("exec torchmix sweep --config ", command[2]);
        Assert.EndsWith("--task \"$JOB_COMPLETION_INDEX\"", command[2]);
        Assert.Contains("--out " + outDir, command[2]);
        var volume = (YamlMappingNode)((YamlSequenceNode)pod["volumes"]).Children[0];
        Assert.Equal("sweeps", Scalar((YamlMappingNode)volume["persistentVolumeClaim"], "claimName"));
        var report = Load(Path.Combine(outDir, "k8s", KubernetesIndexedJob.ReportFile));
        var reportCommand = ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)report["spec"])["template"])["spec"])["containers"]).Children[0])["command"]).Children;
        Assert.EndsWith("--report", ((YamlScalarNode)reportCommand[2]).Value);
        Assert.False(((YamlMappingNode)report["spec"]).Children.ContainsKey(new YamlScalarNode("completionMode")));
    }

    [Fact]
    public void SlurmScriptsHoldTheArrayAndTheDependentReport()
    {
        string cfg = SweepProcesses.TinySweep(_root, [], n => n["slurm"] = JsonNode.Parse("""{"partition": "cpu", "time": "00:30:00"}"""));
        string outDir = Path.Combine(_root, "out");
        var (code, output) = SweepProcesses.Run(["sweep", "--config", cfg, "--out", outDir, "--emit", "slurm"]);
        Assert.True(code == 0, output);
        var array = File.ReadAllLines(Path.Combine(outDir, "slurm", SlurmJobScripts.ArrayScript));
        Assert.Contains("#SBATCH --array=0-5%2", array);
        Assert.Contains("#SBATCH --cpus-per-task=1", array);
        Assert.Contains("#SBATCH --partition=cpu", array);
        Assert.Contains("#SBATCH --time=00:30:00", array);
        Assert.EndsWith("--task \"$SLURM_ARRAY_TASK_ID\"", array[^1]);
        Assert.Contains("--report", File.ReadAllLines(Path.Combine(outDir, "slurm", SlurmJobScripts.ReportScript))[^1]);
        Assert.Contains("--dependency=afterok:\"$array\"", File.ReadAllText(Path.Combine(outDir, "slurm", SlurmJobScripts.SubmitScript)));
    }

    /// <summary>
    /// The real thing: a single-node Slurm started here runs the tiny sweep as a job array (sbatch --wait), then the
    /// dependent report job; every run is done, the report and mixture.json are written. Resubmitting runs no
    /// training again: every task finds its status done.
    /// </summary>
    [Fact]
    public void SweepRunsAsASlurmJobArrayAndResubmittingSkipsFinishedTasks()
    {
        using var slurm = new LocalSlurm(Path.Combine(_root, "slurm-cluster"));
        // Two configurations × one seed: two array tasks, the least that exercises the array and the report.
        string cfg = SweepProcesses.TinySweep(_root, [], n =>
        {
            n["configurations"] = JsonNode.Parse("""[{"name": "uniform"}, {"name": "loss-only", "set": ["weights.loss_weights=[1,1,0.3]"]}]""");
            n["seeds"] = JsonNode.Parse("[0]");
        });
        string outDir = Path.Combine(_root, "out");
        var (code, output) = SweepProcesses.Run(["sweep", "--config", cfg, "--out", outDir, "--emit", "slurm"]);
        Assert.True(code == 0, output);
        string submit = Path.Combine(outDir, "slurm", SlurmJobScripts.SubmitScript);
        var (rc, log) = slurm.RunWithEnv(["/bin/sh", submit, "--wait"], timeoutSeconds: 600);
        string logs = string.Join("\n", Directory.Exists(Path.Combine(outDir, "logs"))
            ? Directory.GetFiles(Path.Combine(outDir, "logs"), "slurm-*").Select(f => $"--- {f}\n{LocalSlurm.Tail(f)}") : []);
        Assert.True(rc == 0, $"submit.sh --wait exited {rc}: {log}\n{logs}");

        var manifest = SweepManifest.Open(outDir, SweepPlan.Load(cfg));
        Assert.All(manifest.Tasks, t => Assert.Equal(SweepTaskState.Done, manifest.Status(t).State));
        Assert.Contains("**Best by test π-loss:", File.ReadAllText(Path.Combine(outDir, SweepReport.ReportFile)));
        Assert.Equal("sweep", MixtureFile.Load(Path.Combine(outDir, SweepReport.MixtureFileName)).Origin!.Kind);

        var attempts = manifest.Tasks.Select(t => manifest.Status(t).Attempts).ToList();
        (rc, log) = slurm.RunWithEnv(["/bin/sh", submit, "--wait"], timeoutSeconds: 600);
        Assert.True(rc == 0, log);
        Assert.Equal(attempts, manifest.Tasks.Select(t => manifest.Status(t).Attempts).ToList());
        Assert.Contains(Directory.GetFiles(Path.Combine(outDir, "logs"), "slurm-*"),
                        f => File.ReadAllText(f).Contains("already finished; nothing to do."));
    }

    private static YamlMappingNode Load(string path)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(path);
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string? Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value;
}
