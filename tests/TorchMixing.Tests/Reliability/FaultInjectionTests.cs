using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchMixing.Config;
using TorchMixing.Training;

namespace TorchMixing.Tests.Reliability;

/// <summary>
/// Faults a training run meets in practice, injected for real: kill -9 at random points (also while a checkpoint
/// is being written), a torn last metrics line, flipped bytes in a checkpoint, a full disk, two processes on one
/// folder. Each must end in a clear error or a resume to exactly the metrics of an uninterrupted run.
/// </summary>
[Collection(InProcessCliCollection.Name)]
public class FaultInjectionTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-fault-" + Guid.NewGuid().ToString("N"));

    public FaultInjectionTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>A tiny synthetic run: 36 steps of a 2-layer GPT, a checkpoint every 3 steps, VA moving the weights.</summary>
    private string Config(int steps = 36)
    {
        return TinyRunConfig.Write(_root, steps, """{ "loss_weights": [1, 2, 0.5], "policy": { "policy": "va", "va": { "update_every": 6 } } }""");
    }

    private static List<string> Metrics(string run) =>
        File.ReadLines(Path.Combine(run, "metrics.jsonl"))
            .Select(l => { var o = JsonNode.Parse(l)!.AsObject(); o.Remove("time_ms"); return o.ToJsonString(); }).ToList();

    private string Uninterrupted(string config)
    {
        string run = Path.Combine(_root, "full");
        var r = Torchmix.InProcess("train", "--config", config, "--out", run);
        Assert.True(r.Code == 0, r.Err);
        return run;
    }

    private static void AssertSameMetrics(string expectedRun, string run)
    {
        var a = Metrics(expectedRun);
        var b = Metrics(run);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++) Assert.True(a[i] == b[i], $"line {i + 1} differs:\n{a[i]}\n{b[i]}");
    }

    /// <summary>Resumes (or, if the kill came before the first checkpoint, starts over) until the run completes.</summary>
    private static void Finish(string config, string run)
    {
        bool resumable = Checkpoint.List(run).Count > 0;
        var r = Torchmix.InProcess(resumable ? ["train", "--config", config, "--out", run, "--resume"] : ["train", "--config", config, "--out", run]);
        Assert.True(r.Code == 0, r.Err);
    }

    [Fact]
    public void KilledAtRandomPointsIncludingCheckpointWritesResumesToTheUninterruptedMetrics()
    {
        string config = Config();
        string full = Uninterrupted(config);
        var rng = new Random(20261201);
        string run = Path.Combine(_root, "killed");
        int killsDuringCheckpoint = 0;
        // Three kills of one run: two at a random metrics line, one the moment a checkpoint's temporary folder appears.
        foreach (var mode in new[] { "line", "checkpoint", "line" })
        {
            int after = Metrics(full).Count;
            int existing = File.Exists(Path.Combine(run, "metrics.jsonl")) ? File.ReadLines(Path.Combine(run, "metrics.jsonl")).Count() : 0;
            int target = existing + rng.Next(1, 8);
            if (target >= after) break;
            bool resume = Checkpoint.List(run).Count > 0;
            using var p = Process.Start(Torchmix.StartInfo(resume
                ? ["train", "--config", config, "--out", run, "--resume"]
                : ["train", "--config", config, "--out", run]))!;
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            string ckDir = Path.Combine(run, "checkpoints");
            while (!p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                bool hit = mode == "checkpoint"
                    ? Directory.Exists(ckDir) && Directory.EnumerateDirectories(ckDir, ".step-*.tmp").Any()
                    : File.Exists(Path.Combine(run, "metrics.jsonl")) && SafeLineCount(Path.Combine(run, "metrics.jsonl")) >= target;
                if (hit)
                {
                    p.Kill();   // SIGKILL: no finally blocks, no flush
                    if (mode == "checkpoint") killsDuringCheckpoint++;
                    break;
                }
                Thread.SpinWait(2000);
            }
            p.WaitForExit();
        }
        Finish(config, run);
        AssertSameMetrics(full, run);
        // Nothing of the interrupted writes is left behind.
        Assert.Empty(Directory.EnumerateFileSystemEntries(run, ".*.tmp*", SearchOption.AllDirectories));
        Assert.True(killsDuringCheckpoint <= 1);
    }

    private static int SafeLineCount(string path)
    {
        try
        {
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            int n = 0, b;
            while ((b = s.ReadByte()) >= 0) if (b == '\n') n++;
            return n;
        }
        catch (IOException) { return 0; }
    }

    [Fact]
    public void ATornLastMetricsLineDoesNotBlockResume()
    {
        string config = Config(12);
        string full = Uninterrupted(config);
        string run = Path.Combine(_root, "torn");
        Assert.Equal(0, Torchmix.InProcess("train", "--config", config, "--out", run, "--stop-after", "7").Code);   // checkpoint at 6
        File.AppendAllText(Path.Combine(run, "metrics.jsonl"), """{"step":8,"tokens":10""");            // the disk filled mid-append
        var r = Torchmix.InProcess("train", "--config", config, "--out", run, "--resume");
        Assert.True(r.Code == 0, r.Err);
        AssertSameMetrics(full, run);
    }

    private static LmRunConfig Load(string config) => ConfigLoader.Load<LmRunConfig>(config);

    [Fact]
    public void FlippedCheckpointBytesFallBackToTheNewestIntactCheckpointOrAreRefused()
    {
        string config = Config(12);
        string full = Uninterrupted(config);
        string run = Path.Combine(_root, "flipped");
        Assert.Equal(0, Torchmix.InProcess("train", "--config", config, "--out", run, "--stop-after", "7").Code);   // checkpoints 3 and 6
        var cks = Checkpoint.List(run);
        Assert.Equal(2, cks.Count);
        FlipBytes(Path.Combine(cks[1], "model.bin"));

        var notes = new List<string>();
        using (var t = LmRun.CreateTrainer(Load(config), run, config))
        {
            t.Info = notes.Add;
            t.Run(resume: true);
        }
        Assert.Contains(notes, n => n.Contains("step-00000006") && n.Contains("model.bin does not match its checksum"));
        Assert.Contains("resumed from step 3 (checkpoint ", notes.Single(n => n.StartsWith("resumed", StringComparison.Ordinal)));
        AssertSameMetrics(full, run);

        // With every checkpoint corrupt there is nothing to fall back to: refused, naming each, nothing changed.
        foreach (var ck in Checkpoint.List(run)) FlipBytes(Path.Combine(ck, "optimizer.bin"));
        var before = Checkpoint.List(run).Select(d => Checkpoint.Sha256(Path.Combine(d, "optimizer.bin"))).ToList();
        var r = Torchmix.InProcess("train", "--config", config, "--out", run, "--resume");
        Assert.Equal(2, r.Code);
        Assert.Contains("no intact checkpoint", r.Err);
        Assert.Contains("optimizer.bin does not match its checksum", r.Err);
        Assert.Equal(before, Checkpoint.List(run).Select(d => Checkpoint.Sha256(Path.Combine(d, "optimizer.bin"))).ToList());
    }

    private static void FlipBytes(string path)
    {
        var bytes = File.ReadAllBytes(path);
        for (int i = bytes.Length / 2; i < bytes.Length / 2 + 64; i++) bytes[i] ^= 0x5A;
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void TwoTrainsOnOneFolderTheSecondIsRefusedNamingTheHolder()
    {
        string config = Config(400);
        string run = Path.Combine(_root, "shared");
        using var first = Process.Start(Torchmix.StartInfo(["train", "--config", config, "--out", run]))!;
        _ = first.StandardOutput.ReadToEndAsync();
        _ = first.StandardError.ReadToEndAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            while (!File.Exists(Path.Combine(run, "metrics.jsonl")) && clock.Elapsed < TimeSpan.FromSeconds(60) && !first.HasExited) Thread.Sleep(20);
            Assert.False(first.HasExited, "the first train ended before the second started");
            var second = Torchmix.InProcess("train", "--config", config, "--out", run, "--resume");
            Assert.Equal(3, second.Code);
            Assert.Contains($"error: {run}: process {first.Id} is using this folder", second.Err);
        }
        finally
        {
            first.Kill();
            first.WaitForExit();
        }
        // The kernel dropped the killed holder's lock: the folder can be taken over at once, no stale lock to clear.
        using var again = IO.FolderLock.Acquire(run, "test");
    }

    [Fact]
    public void AFullDiskWhileCheckpointingIsAnEnvironmentErrorAndTheRunResumesOnceThereIsSpace()
    {
        string config = Config(12);
        string full = Uninterrupted(config);
        string mount = Path.Combine(_root, "small-disk");
        Directory.CreateDirectory(mount);
        bool tmpfs = Environment.IsPrivilegedProcess && Sh($"mount -t tmpfs -o size=600k tmpfs '{mount}'") == 0;
        try
        {
            string run = Path.Combine(mount, "run");
            if (!tmpfs)
            {
                // No root (no tmpfs to fill): inject the write failure instead — a file where the checkpoints folder goes.
                Directory.CreateDirectory(run);
                File.WriteAllText(Path.Combine(run, "checkpoints"), "");
            }
            var r = Torchmix.InProcess("train", "--config", config, "--out", run);
            Assert.Equal(3, r.Code);
            Assert.StartsWith("error: ", r.Err);
            Assert.Single(r.Err.Trim().Split('\n'));
            Assert.Contains(Path.Combine(run, "checkpoints", "step-"), r.Err);
            if (tmpfs) Assert.Contains("no space left", r.Err);
            var intact = Checkpoint.List(run);
            foreach (var ck in intact) Assert.Null(Checkpoint.Verify(ck));

            // Space freed (or the obstacle removed): the same command continues where the last intact checkpoint left off.
            if (tmpfs) Assert.Equal(0, Sh($"mount -o remount,size=64m '{mount}'"));
            else File.Delete(Path.Combine(run, "checkpoints"));
            var again = Torchmix.InProcess(intact.Count > 0 ? ["train", "--config", config, "--out", run, "--resume"] : ["train", "--config", config, "--out", run]);
            Assert.True(again.Code == 0, again.Err);
            AssertSameMetrics(full, run);
        }
        finally
        {
            if (tmpfs) Sh($"umount '{mount}'");
        }
    }

    private static int Sh(string command)
    {
        using var p = Process.Start(new ProcessStartInfo("sh", ["-c", command + " 2>/dev/null"]) { UseShellExecute = false })!;
        p.WaitForExit();
        return p.ExitCode;
    }
}
