using System.Text.Json.Nodes;
using Parquet;
using TorchMixing.Data;
using TorchMixing.IO;
using TorchMixing.Sweeps;
using TorchMixing.Tests.Data;
using TorchMixing.Tests.Sweeps;
using TorchMixing.Tokenization;
using TorchMixing.Training;

namespace TorchMixing.Tests.Reliability;

/// <summary>
/// Cases where a command used to end with exit 0 and a number it could not vouch for, or with a stack trace: runs of
/// different configurations averaged as seeds, unfinished runs read as final, a symlinked corpus whose target changed,
/// lost or corrupt metrics lines, a truncated run config, unquoted paths in Slurm scripts, a process memory limit,
/// Parquet paths with spaces, a corrupt checkpoint of the format without checksums. Each must now end in a clear
/// error naming the file (exit 2 or 3) or in a result that says what it is.
/// </summary>
[Collection(InProcessCliCollection.Name)]
public class UnvouchedResultTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-unvouched-" + Guid.NewGuid().ToString("N"));

    public UnvouchedResultTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>A tiny synthetic run: a 2-layer GPT, a checkpoint every 3 steps, an evaluation every 4 and at the end.</summary>
    private string Config(int steps = 12)
    {
        return TinyRunConfig.Write(_root, steps, """{ "loss_weights": [1, 2, 0.5] }""");
    }

    private string Train(string name, string config, params string[] extra)
    {
        string run = Path.Combine(_root, name);
        var r = Torchmix.InProcess(["train", "--config", config, "--out", run, .. extra]);
        Assert.True(r.Code == 0, r.Err);
        return run;
    }

    private static string[] MetricsLines(string run) => File.ReadAllLines(Path.Combine(run, "metrics.jsonl"));

    private static void CopyFolder(string from, string to)
    {
        foreach (var d in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(d.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(f, f.Replace(from, to));
    }

    // 1. Different overrides or token budgets are different configurations; a seed of one configuration counts once.
    [Fact]
    public void CompareGroupsRunsByTheirResolvedConfigAndRefusesADuplicateSeed()
    {
        string config = Config(6);
        string plain = Train("plain", config);
        string loss = Train("loss", config, "--set", "weights.loss_weights=[1,1,0.3]");
        string budget = Train("budget", config, "--set", $"train.token_budget={8 * 16 * 5}");

        var r = Torchmix.Child(["compare", plain, loss, budget, "--out", Path.Combine(_root, "cmp")]);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("3 run(s), 3 configuration(s)", r.Out);
        Assert.Contains("weights.loss_weights", r.Out);         // the rows say how they differ
        Assert.Contains("train.token_budget", r.Out);

        string copy = Path.Combine(_root, "plain-copy");
        CopyFolder(plain, copy);
        var dup = Torchmix.InProcess("compare", plain, copy, "--out", Path.Combine(_root, "cmp2"));
        Assert.Equal(2, dup.Code);
        Assert.StartsWith("error: ", dup.Err);
        Assert.Contains(plain, dup.Err);
        Assert.Contains(copy, dup.Err);
        Assert.Contains("seed 7", dup.Err);
    }

    // 2. An interrupted (--stop-after) or still-training run is not final: refused unless asked, and then labelled.
    [Fact]
    public void CompareAndExportRefuseAnUnfinishedOrTrainingRunUnlessAllowed()
    {
        string config = Config(12);
        string full = Train("full", config);
        string partial = Train("partial", config, "--stop-after", "7", "--set", "seed=8");   // another seed of the same configuration

        var cmp = Torchmix.InProcess("compare", full, partial, "--out", Path.Combine(_root, "cmp"));
        Assert.Equal(2, cmp.Code);
        Assert.Contains($"{partial}: incomplete (step 7 of 12)", cmp.Err);
        var allowed = Torchmix.Child(["compare", full, partial, "--allow-incomplete", "--out", Path.Combine(_root, "cmp")]);
        Assert.True(allowed.Code == 0, allowed.Err);
        Assert.Contains("incomplete (step 7 of 12)", allowed.Out);

        string exportDir = Path.Combine(_root, "export");
        var export = Torchmix.InProcess("export", partial, "--format", "hf", "--out", exportDir);
        Assert.Equal(2, export.Code);
        Assert.Contains($"{partial}: incomplete (step 7 of 12)", export.Err);
        Assert.False(Directory.Exists(exportDir));
        var exportAllowed = Torchmix.Child(["export", partial, "--format", "hf", "--out", exportDir, "--allow-incomplete"]);
        Assert.True(exportAllowed.Code == 0, exportAllowed.Err);
        Assert.Contains("incomplete (step 7 of 12)", exportAllowed.Out);

        // A run folder whose lock is held is being trained into: its last line is not its final one.
        using (FolderLock.Acquire(full, "a training run"))
        {
            var live = Torchmix.InProcess("compare", full, "--out", Path.Combine(_root, "cmp3"));
            Assert.Equal(2, live.Code);
            Assert.Contains($"{full}: incomplete (step 12 of 12", live.Err);
            Assert.Contains("training", live.Err);
            var liveExport = Torchmix.InProcess("export", full, "--format", "hf", "--out", Path.Combine(_root, "export2"));
            Assert.Equal(2, liveExport.Code);
            Assert.Contains("training", liveExport.Err);
        }
    }

    // 3. A corpus file reached through a symlink is fingerprinted by its target.
    [Fact]
    public void TheTokenCacheFollowsASymlinkedCorpusToItsTarget()
    {
        using var fx = new ParquetFixtures();
        string target = fx.WriteText("store/a.parquet", Enumerable.Range(0, 200).Select(i => (string?)$"Document {i}: alpha beta {i % 13}.").ToList(),
                                     CompressionMethod.Snappy, rowGroupSize: 50);
        Directory.CreateDirectory(fx.Path("linked"));
        File.CreateSymbolicLink(fx.Path("linked/a.parquet"), target);
        var cat = new DataCatalog
        {
            Domains = [new DomainSource { Name = "prose", Files = ["linked"] }], BaseDirectory = fx.Root, CacheDir = "cache",
            SequenceLength = 8, ValidationFraction = 0.1, Source = "test",
        };
        using var gpt2 = TextTokenizer.Rent("gpt2");
        long firstTokens;
        using (var c = TokenCache.Open(cat, cat.Domains[0], gpt2.Tokenizer))
        {
            firstTokens = c.Meta.Tokens;
            Assert.Equal(new FileInfo(target).Length, c.Meta.SourceBytes);     // the target's bytes, not the link's
        }
        var linkTime = File.GetLastWriteTimeUtc(fx.Path("linked/a.parquet"));

        // The target is replaced with more text; the link itself is untouched.
        fx.WriteText("store/a.parquet", Enumerable.Range(0, 600).Select(i => (string?)$"Document {i}: gamma delta epsilon {i % 17}.").ToList(),
                     CompressionMethod.Snappy, rowGroupSize: 50);
        Assert.Equal(linkTime, File.GetLastWriteTimeUtc(fx.Path("linked/a.parquet")));
        using (var c = TokenCache.Open(cat, cat.Domains[0], gpt2.Tokenizer))
        {
            Assert.False(c.FromCache);
            Assert.NotEqual(firstTokens, c.Meta.Tokens);
            Assert.Equal(new FileInfo(target).Length, c.Meta.SourceBytes);
        }
    }

    // 4. A finished run whose metrics lost their final evaluation is not finished for the report.
    [Fact]
    public void ASweepReportCountsARunWithoutItsFinalEvaluationAsNotFinished()
    {
        string cfg = SweepProcesses.TinySweep(_root, [], n => n["seeds"] = JsonNode.Parse("[0]"));
        string outDir = Path.Combine(_root, "sweep");
        var (code, output) = SweepProcesses.Run(["sweep", "--config", cfg, "--out", outDir]);
        Assert.True(code == 0, output);
        string metrics = Path.Combine(outDir, "runs", "va-seed0", "metrics.jsonl");
        var lines = File.ReadAllLines(metrics);
        File.WriteAllLines(metrics, lines[..^3]);        // the last lines (the final evaluation among them) are lost

        (code, output) = SweepProcesses.Run(["sweep", "--config", cfg, "--out", outDir, "--report"]);
        Assert.True(code == 0, output);
        string report = File.ReadAllText(Path.Combine(outDir, SweepReport.ReportFile));
        Assert.Contains("2 of 3 runs finished", report);
        Assert.Contains($"va-seed0: incomplete (step {lines.Length - 3} of 24)", report);
        Assert.DoesNotContain("| va |", report);
    }

    // 5. A corrupt line in the middle of metrics.jsonl is named, never a reason to drop the good lines after it.
    [Fact]
    public void ACorruptMetricsLineInTheMiddleIsRefusedNamingFileAndLine()
    {
        string config = Config(12);
        string run = Train("run", config, "--stop-after", "7");
        string metrics = Path.Combine(run, "metrics.jsonl");
        var lines = MetricsLines(run);
        lines[2] = "{\"step\":3,\"tokens\":3";       // a complete line that is not JSON, with good lines after it
        File.WriteAllLines(metrics, lines);
        byte[] before = File.ReadAllBytes(metrics);

        var r = Torchmix.InProcess("train", "--config", config, "--out", run, "--resume");
        Assert.Equal(2, r.Code);
        Assert.StartsWith($"error: {metrics}: line 3", r.Err);
        Assert.Equal(before, File.ReadAllBytes(metrics));

        string full = Train("full", config);
        File.WriteAllLines(Path.Combine(full, "metrics.jsonl"), MetricsLines(full).Select((l, i) => i == 2 ? "not json" : l));
        var cmp = Torchmix.InProcess("compare", full, "--out", Path.Combine(_root, "cmp"));
        Assert.Equal(2, cmp.Code);
        Assert.Contains($"{Path.Combine(full, "metrics.jsonl")}: line 3", cmp.Err);
        Assert.DoesNotContain("LineNumber: 0", cmp.Err);
        var export = Torchmix.InProcess("export", full, "--format", "hf", "--out", Path.Combine(_root, "export"));
        Assert.Equal(2, export.Code);
        Assert.Contains($"{Path.Combine(full, "metrics.jsonl")}: line 3", export.Err);
    }

    // 6. A truncated config.json of the run is found before the resumed run trains, not after it finished.
    [Fact]
    public void ATruncatedRunConfigIsRefusedBeforeTheResumedRunTrains()
    {
        string config = Config(12);
        string run = Train("run", config, "--stop-after", "7");
        string runConfig = Path.Combine(run, "config.json");
        string text = File.ReadAllText(runConfig);
        File.WriteAllText(runConfig, text[..(text.Length / 2)]);
        int before = MetricsLines(run).Length;

        var r = Torchmix.InProcess("train", "--config", config, "--out", run, "--resume");
        Assert.Equal(2, r.Code);
        Assert.StartsWith($"error: {runConfig}: ", r.Err);
        Assert.Equal(before, MetricsLines(run).Length);                     // nothing was trained
        Assert.Equal(2, Checkpoint.List(run).Count);
    }

    // 7. Slurm reads a #SBATCH value up to the first blank unless it is double-quoted.
    [Fact]
    public void SlurmScriptsQuotePathsWithSpaces()
    {
        string cfg = SweepProcesses.TinySweep(_root, []);
        string outDir = Path.Combine(_root, "my sweeps", "out dir");
        var (code, output) = SweepProcesses.Run(["sweep", "--config", cfg, "--out", outDir, "--emit", "slurm"]);
        Assert.True(code == 0, output);
        foreach (var script in new[] { SlurmJobScripts.ArrayScript, SlurmJobScripts.ReportScript })
        {
            var lines = File.ReadAllLines(Path.Combine(outDir, "slurm", script));
            string log = lines.Single(l => l.StartsWith("#SBATCH --output=", StringComparison.Ordinal));
            Assert.StartsWith($"#SBATCH --output=\"{Path.Combine(outDir, "logs")}/", log);
            Assert.EndsWith("\"", log);
            Assert.Contains($"'{outDir}", lines[^1]);                        // the command's own paths are shell-quoted
        }
        // What sbatch would misread otherwise: a '#' starts a comment, quotes and backslashes are its own syntax.
        Assert.Equal("/plain/path-1.out", SlurmJobScripts.DirectiveValue("/plain/path-1.out"));
        Assert.Equal("\"/runs/#3/x.out\"", SlurmJobScripts.DirectiveValue("/runs/#3/x.out"));
        Assert.Equal("\"/a \\\"b\\\" \\\\c\"", SlurmJobScripts.DirectiveValue("/a \"b\" \\c"));
    }

    // 8. The memory check honours the process's address-space limit, not only the machine's RAM.
    [Fact]
    public async Task AModelOverTheProcessMemoryLimitIsRefusedCleanly()
    {
        if (OperatingSystem.IsWindows()) return;
        // 0.6 GiB of weights, gradients and optimizer state: fits the machine, not a 5.7 GiB address space of which the
        // runtime and libtorch already map most (a limit much lower stops .NET itself before any of our code runs).
        string config = Path.Combine(_root, "big.json");
        File.WriteAllText(config, """
            { "name": "big", "threads": 1, "model": { "vocab_size": 48, "sequence_length": 16, "layers": 12, "heads": 4, "width": 512 },
              "data": { "synthetic": { "domains": [ { "name": "a", "tokens": 3000, "branching": 2 }, { "name": "b", "tokens": 3000, "branching": 4 } ] } },
              "train": { "batch_size": 4, "token_budget": 640, "eval_every": 5, "eval_sequences": 4 } }
            """);
        string run = Path.Combine(_root, "big-run");
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh",
            ["-c", "ulimit -v 6000000 && exec dotnet \"$0\" train --config \"$1\" --out \"$2\"", Torchmix.Dll, config, run])
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, Environment = { ["DOTNET_gcServer"] = "0" } })!;
        var stderr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(timeout.Token);
        string err = await stderr;
        Assert.True(p.ExitCode is 2 or 3, $"exit {p.ExitCode}: {err}");
        Assert.StartsWith("error: ", err);
        Assert.Contains("address-space limit (ulimit -v)", err);
        Assert.DoesNotContain("   at ", err);
        Assert.False(Directory.Exists(run));
    }

    // 10. Parquet paths with spaces and non-ASCII characters are inspected as given.
    [Fact]
    public void DataInspectAcceptsParquetPathsWithSpacesAndNonAsciiCharacters()
    {
        using var fx = new ParquetFixtures();
        string file = fx.WriteText("my corpus/Überblick données.parquet",
                                   Enumerable.Range(0, 60).Select(i => (string?)$"Document {i} with a few words.").ToList(), CompressionMethod.Snappy, rowGroupSize: 30);
        var r = Torchmix.InProcess("data", "inspect", file);
        Assert.True(r.Code == 0, r.Err);
        var folder = Torchmix.InProcess("data", "inspect", fx.Path("my corpus"));
        Assert.True(folder.Code == 0, folder.Err);
    }

    // 11. A checkpoint of the format without checksums that cannot be loaded is skipped like a corrupt one.
    [Fact]
    public void ACorruptCheckpointWithoutChecksumsFallsBackToTheOlderOne()
    {
        string config = Config(12);
        string full = Train("full", config);
        string run = Train("old-format", config, "--stop-after", "7");        // checkpoints 3 and 6
        var cks = Checkpoint.List(run);
        Assert.Equal(2, cks.Count);
        foreach (var ck in cks) File.Delete(Path.Combine(ck, Checkpoint.ChecksumFile));
        string model = Path.Combine(cks[1], "model.bin");
        var bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(model, bytes[..(bytes.Length / 2)]);              // torn, and nothing to check it against

        var r = Torchmix.InProcess("train", "--config", config, "--out", run, "--resume");
        Assert.True(r.Code == 0, r.Err);
        Assert.True(Directory.Exists(cks[1] + ".corrupt"));
        Assert.Equal(MetricsLines(full).Select(WithoutTime), MetricsLines(run).Select(WithoutTime));
    }

    // Also: a truncated manifest says that deleting manifest.json alone recovers the finished runs — and it does.
    [Fact]
    public void ATruncatedSweepManifestSaysDeletingItAloneKeepsTheFinishedRuns()
    {
        string cfg = SweepProcesses.TinySweep(_root, []);
        string outDir = Path.Combine(_root, "sweep");
        var manifest = SweepManifest.Open(outDir, SweepPlan.Load(cfg));
        var task = manifest.Tasks[0];
        Directory.CreateDirectory(Path.GetDirectoryName(manifest.StatusPath(task))!);
        manifest.Save(task, new SweepTaskStatus { State = SweepTaskState.Done });
        string text = File.ReadAllText(manifest.ManifestPath);
        File.WriteAllText(manifest.ManifestPath, text[..(text.Length / 2)]);

        var e = Assert.Throws<UserInputException>(() => SweepManifest.Open(outDir, SweepPlan.Load(cfg)));
        Assert.Contains("delete this file alone", e.Message);
        Assert.DoesNotContain("move the folder away", e.Message);
        File.Delete(manifest.ManifestPath);
        var again = SweepManifest.Open(outDir, SweepPlan.Load(cfg));
        Assert.Equal([task.Index], again.Finished().Select(t => t.Index));
    }

    // Also: meta.json of a token cache is checked like the token files.
    [Fact]
    public void AChangedTokenCacheMetaIsRebuiltWithAWarning()
    {
        using var fx = new ParquetFixtures();
        fx.WriteText("prose/a.parquet", Enumerable.Range(0, 200).Select(i => (string?)$"Document {i}: the quick brown fox {i * 7 % 31}.").ToList(),
                     CompressionMethod.Snappy, rowGroupSize: 50);
        var cat = new DataCatalog
        {
            Domains = [new DomainSource { Name = "prose", Files = ["prose"] }], BaseDirectory = fx.Root, CacheDir = "cache",
            SequenceLength = 8, ValidationFraction = 0.1, Source = "test",
        };
        using var gpt2 = TextTokenizer.Rent("gpt2");
        string folder;
        long trainTokens;
        using (var c = TokenCache.Open(cat, cat.Domains[0], gpt2.Tokenizer)) { folder = c.CacheFolder; trainTokens = c.Meta.TrainTokens; }
        string meta = Path.Combine(folder, "meta.json");
        File.WriteAllText(meta, File.ReadAllText(meta).Replace($"\"train_tokens\": {trainTokens}", $"\"train_tokens\": {trainTokens + 1}"));
        Assert.Contains($"\"train_tokens\": {trainTokens + 1}", File.ReadAllText(meta));

        var warnings = new List<string>();
        var warn = TokenCache.Warn;
        TokenCache.Warn = warnings.Add;
        try
        {
            using var c = TokenCache.Open(cat, cat.Domains[0], gpt2.Tokenizer);
            Assert.False(c.FromCache);
            Assert.Equal(trainTokens, c.Meta.TrainTokens);
        }
        finally { TokenCache.Warn = warn; }
        Assert.Contains(warnings, w => w.Contains("meta.json does not match its checksum") && w.Contains("rebuilding"));
    }

    // Also: text that is not UTF-8 is tokenized as replacement characters, but said, with the count and the file.
    [Fact]
    public void InvalidUtf8InAParquetFileIsReportedWithAWarning()
    {
        using var fx = new ParquetFixtures();
        var docs = Enumerable.Range(0, 40).Select(i => (string?)(i % 10 == 3 ? $"Latin-1 text QQQQ number {i}." : $"Plain text number {i}.")).ToList();
        string file = fx.WriteText("legacy/a.parquet", docs, CompressionMethod.None, rowGroupSize: 100);
        // Uncompressed pages hold the text bytes as they are: turn the marker into bytes that are not UTF-8 (0xE9 is
        // 'é' in Latin-1, a lone continuation-less lead byte in UTF-8).
        var bytes = File.ReadAllBytes(file);
        var marker = "QQQQ"u8.ToArray();
        int patched = 0;
        for (int i = 0; i + marker.Length <= bytes.Length; i++)
            if (bytes.AsSpan(i, marker.Length).SequenceEqual(marker)) { bytes[i] = 0xE9; bytes[i + 2] = 0xE9; patched++; }
        Assert.True(patched >= 4);
        File.WriteAllBytes(file, bytes);
        var cat = new DataCatalog
        {
            Domains = [new DomainSource { Name = "legacy", Files = ["legacy"] }], BaseDirectory = fx.Root, CacheDir = "cache",
            SequenceLength = 8, ValidationFraction = 0.1, Source = "test",
        };
        using var gpt2 = TextTokenizer.Rent("gpt2");
        var warnings = new List<string>();
        var warn = TokenCache.Warn;
        TokenCache.Warn = warnings.Add;
        try { using var c = TokenCache.Open(cat, cat.Domains[0], gpt2.Tokenizer); }
        finally { TokenCache.Warn = warn; }
        Assert.Contains(warnings, w => w.StartsWith($"{file}: 4 document(s)", StringComparison.Ordinal) && w.Contains("invalid UTF-8"));
    }

    // Also: a disk that fills while the metrics are appended ends in the documented one-line error, exit 3.
    [Fact]
    public void AFullDiskWhileLoggingIsTheDocumentedEnvironmentError()
    {
        string mount = Path.Combine(_root, "tiny-disk");
        Directory.CreateDirectory(mount);
        if (!Environment.IsPrivilegedProcess || Sh($"mount -t tmpfs -o size=16k tmpfs '{mount}'") != 0) return;   // needs root for a tmpfs (as in CI)
        try
        {
            string config = Config(400);
            string run = Path.Combine(mount, "run");
            var r = Torchmix.InProcess("train", "--config", config, "--out", run, "--set", "train.checkpoint_every=1000");
            Assert.Equal(3, r.Code);
            Assert.Single(r.Err.Trim().Split('\n'));
            Assert.StartsWith($"error: {Path.Combine(run, "metrics.jsonl")}: cannot append to the metrics log (no space left on the device); ", r.Err);
        }
        finally { Sh($"umount '{mount}'"); }
    }

    // Also: without --out, compare writes nothing and export writes beside its source, never into the working folder.
    [Fact]
    public void CompareAndExportWithoutOutDoNotWriteIntoTheWorkingFolder()
    {
        string run = Train("run", Config(6));
        string cwd = Directory.GetCurrentDirectory();
        bool compareBefore = Directory.Exists(Path.Combine(cwd, "compare")), exportBefore = Directory.Exists(Path.Combine(cwd, "export"));
        var cmp = Torchmix.Child(["compare", run]);
        Assert.True(cmp.Code == 0, cmp.Err);
        Assert.Contains("no plots written", cmp.Out);
        var export = Torchmix.Child(["export", run, "--format", "hf"]);
        Assert.True(export.Code == 0, export.Err);
        Assert.True(File.Exists(Path.Combine(run, "export", "hf", "interleave.py")), export.Out);
        Assert.Equal(compareBefore, Directory.Exists(Path.Combine(cwd, "compare")));
        Assert.Equal(exportBefore, Directory.Exists(Path.Combine(cwd, "export")));
    }

    private static int Sh(string command)
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh", ["-c", command + " 2>/dev/null"]) { UseShellExecute = false })!;
        p.WaitForExit();
        return p.ExitCode;
    }

    private static string WithoutTime(string line)
    {
        var o = JsonNode.Parse(line)!.AsObject();
        o.Remove("time_ms");
        return o.ToJsonString();
    }
}
