using System.Diagnostics;
using Parquet;
using TorchMixing.Data;
using TorchMixing.IO;
using TorchMixing.Tests.Data;
using TorchMixing.Tokenization;

namespace TorchMixing.Tests.Reliability;

/// <summary>The smaller cases of the reliability contract: config files, paths, leftovers, cache integrity, messages.</summary>
[Collection(InProcessCliCollection.Name)]
public class ReliabilityTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tm-rel-").FullName;

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private string Write(string name, string text)
    {
        string p = Path.Combine(_root, name);
        File.WriteAllText(p, text);
        return p;
    }

    [Fact]
    public void ADuplicateKeyIsRefusedNamingIt()
    {
        string cfg = Write("dup.json", """{ "name": "x", "optimizer": { "learning_rate": 0.1, "learning_rate": 0.2 } }""");
        var r = Torchmix.InProcess("train", "--config", cfg, "--out", Path.Combine(_root, "run"));
        Assert.Equal(2, r.Code);
        Assert.Equal($"error: {cfg}: optimizer.learning_rate is given twice; keep one.", r.Err.Trim());
        Assert.False(Directory.Exists(Path.Combine(_root, "run")));
    }

    [Fact]
    public void ADirectoryGivenAsConfigSaysItIsADirectory()
    {
        var r = Torchmix.InProcess("train", "--config", _root);
        Assert.Equal(2, r.Code);
        Assert.Contains($"{_root}: is a directory", r.Err);
    }

    [Fact]
    public void OutNamingAnExistingFileIsAnEnvironmentErrorAndTheFileIsUntouched()
    {
        string file = Write("taken", "keep me");
        var r = Torchmix.InProcess("train", "--config", Path.Combine(RepoPaths.Root, "experiments", "lm-uniform.json"), "--out", file,
                                   "--set", "train.token_budget=5000");
        Assert.Equal(3, r.Code);
        Assert.Equal($"error: {file}: is a file, not a folder; choose a folder path.", r.Err.Trim());
        Assert.Equal("keep me", File.ReadAllText(file));
    }

    [Fact]
    public void ReadOnlyOutputPlacesAreEnvironmentErrorsNamingThePath()
    {
        // Root ignores file permissions, so a read-only place needs a read-only mount; without root, chmod does it.
        string ro = Path.Combine(_root, "ro");
        Directory.CreateDirectory(ro);
        bool mounted = Environment.IsPrivilegedProcess && Sh($"mount -t tmpfs -o size=64k,ro tmpfs '{ro}'") == 0;
        if (!mounted && (Environment.IsPrivilegedProcess || OperatingSystem.IsWindows())) return;   // no way to make a read-only place here
        if (!mounted && !OperatingSystem.IsWindows()) File.SetUnixFileMode(ro, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            string lm = Path.Combine(RepoPaths.Root, "experiments", "lm-uniform.json");
            var train = Torchmix.InProcess("train", "--config", lm, "--out", Path.Combine(ro, "run"), "--set", "train.token_budget=5000");
            Assert.Equal(3, train.Code);
            Assert.StartsWith($"error: {Path.Combine(ro, "run")}: cannot create or lock this folder (", train.Err);

            string run = Path.Combine(_root, "done");
            Assert.Equal(0, Torchmix.InProcess("train", "--config", lm, "--out", run, "--set", "train.token_budget=5000").Code);
            var compare = Torchmix.InProcess("compare", run, "--out", Path.Combine(ro, "cmp"));
            Assert.Equal(3, compare.Code);
            Assert.StartsWith($"error: {Path.Combine(ro, "cmp")}: cannot write the comparison plots (", compare.Err);
            Assert.DoesNotContain("   at ", compare.Err);

            // A catalog whose token cache would go to the read-only place, and --plots there.
            using var fx = new ParquetFixtures();
            fx.WriteText("d/a.parquet", Enumerable.Range(0, 50).Select(i => (string?)$"Document {i} with a few words.").ToList(), CompressionMethod.Snappy, rowGroupSize: 25);
            string roCatalog = Path.Combine(fx.Root, "ro-cache.json");
            File.WriteAllText(roCatalog, $$"""{ "domains": [ { "name": "d", "files": ["d"] } ], "cache_dir": "{{Path.Combine(ro, "cache")}}" }""");
            var cache = Torchmix.InProcess("data", "inspect", roCatalog);
            Assert.Equal(3, cache.Code);
            Assert.StartsWith($"error: {Path.Combine(ro, "cache")}: cannot write the token cache (", cache.Err);
            string okCatalog = Path.Combine(fx.Root, "ok.json");
            File.WriteAllText(okCatalog, """{ "domains": [ { "name": "d", "files": ["d"] } ], "cache_dir": "cache" }""");
            var plots = Torchmix.InProcess("data", "inspect", okCatalog, "--plots", Path.Combine(ro, "plots"));
            Assert.Equal(3, plots.Code);
            Assert.StartsWith($"error: {Path.Combine(ro, "plots")}: cannot write the plots (", plots.Err);
        }
        finally
        {
            if (mounted) Sh($"umount '{ro}'");
            else if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(ro, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public void StaleTemporariesOfDeadProcessesAreRemovedOthersKept()
    {
        int dead = DeadPid();
        string g() => Guid.NewGuid().ToString("N");
        string deadFile = Write($".metrics.jsonl.{dead}.{g()}.tmp", "half");
        string deadDir = Path.Combine(_root, $".step-00000003.{dead}.{g()}.tmp");
        Directory.CreateDirectory(deadDir);
        string liveFile = Write($".config.json.1.{g()}.tmp", "pid 1 is alive");           // init: a live process
        string notOurs = Write(".something.tmp", "not an AtomicFile name");
        // Killed between the two renames of a folder replacement: the old copy is all there is, so it is restored.
        string orphanOld = Path.Combine(_root, $".cache-a.{dead}.{g()}.tmp.old");
        Directory.CreateDirectory(orphanOld);

        var removed = StaleTemporaries.Clean(_root);
        Assert.False(File.Exists(deadFile));
        Assert.False(Directory.Exists(deadDir));
        Assert.True(File.Exists(liveFile));
        Assert.True(File.Exists(notOurs));
        Assert.True(Directory.Exists(Path.Combine(_root, "cache-a")));
        Assert.Equal(3, removed.Count);

        // Under the folder's lock no other process of ours can be writing: any pid's leftovers go (never our own).
        StaleTemporaries.Clean(_root, ownerHoldsLock: true);
        Assert.False(File.Exists(liveFile));
        Assert.True(File.Exists(notOurs));
    }

    private static int DeadPid()
    {
        using var p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }

    [Fact]
    public void ACorruptTokenCacheIsRebuiltWithAWarning()
    {
        using var fx = new ParquetFixtures();
        fx.WriteText("prose/a.parquet", Enumerable.Range(0, 300).Select(i => (string?)$"Document {i}: the quick brown fox {i * 31 % 97}.").ToList(),
                     CompressionMethod.Snappy, rowGroupSize: 50);
        var cat = new DataCatalog
        {
            Domains = [new DomainSource { Name = "prose", Files = ["prose"] }], BaseDirectory = fx.Root, CacheDir = "cache",
            SequenceLength = 8, ValidationFraction = 0.1, Source = "test",
        };
        using var gpt2 = TextTokenizer.Rent("gpt2");
        int[] first;
        string folder;
        using (var c = TokenCache.Open(cat, cat.Domains[0], gpt2.Tokenizer)) { first = Tokens(c.Train); folder = c.CacheFolder; }
        Assert.NotNull(ReadMetaChecksums(folder));

        var bytes = File.ReadAllBytes(Path.Combine(folder, "train.bin"));
        bytes[10] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(folder, "train.bin"), bytes);
        var warnings = new List<string>();
        var warn = TokenCache.Warn;
        TokenCache.Warn = warnings.Add;
        try
        {
            using var c = TokenCache.Open(cat, cat.Domains[0], gpt2.Tokenizer);
            Assert.False(c.FromCache);
            Assert.Equal(first, Tokens(c.Train));
        }
        finally { TokenCache.Warn = warn; }
        Assert.Contains(warnings, w => w.Contains("train.bin does not match its checksum") && w.Contains("rebuilding"));
        using (var c = TokenCache.Open(cat, cat.Domains[0], gpt2.Tokenizer)) Assert.True(c.FromCache);   // intact again: reused
    }

    private static string? ReadMetaChecksums(string folder) =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "meta.json")))?["checksums"]?["train.bin"]?.GetValue<string>();

    private static int[] Tokens(CachedDomainSequences s)
    {
        var all = new List<int>();
        var w = new int[s.SequenceLength + 1];
        for (long i = 0; i < s.Count; i++) { s.CopySequence(i, w); all.AddRange(w); }
        return all.ToArray();
    }

    [Fact]
    public void FilesInspectedDirectlyAreCachedPerUserNotInASharedTempFolder()
    {
        string dir = TokenCache.UserCacheDirectory("inspect");
        Assert.DoesNotContain(Path.GetTempPath().TrimEnd('/') + "/torchmix-inspect", dir);
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string expected = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        Assert.Equal(Path.Combine(expected, "torchmix", "inspect"), dir);
    }

    [Fact]
    public void ADomainWithoutAValidationDocumentSaysSo()
    {
        using var fx = new ParquetFixtures();
        fx.WriteText("one/a.parquet", ["A single document, long enough for several sequences of eight tokens each, surely."], CompressionMethod.Snappy, rowGroupSize: 10);
        string catalog = Path.Combine(fx.Root, "catalog.json");
        File.WriteAllText(catalog, """{ "domains": [ { "name": "one", "files": ["one"] } ], "validation_fraction": 0.01, "test_fraction": 0.5, "cache_dir": "cache" }""");
        string cfg = Write("lm.json", $$"""
            { "name": "x", "model": { "vocab_size": 50257, "sequence_length": 8, "width": 16, "heads": 2, "layers": 1 },
              "data": { "source": "catalog", "catalog": "{{catalog}}" }, "train": { "batch_size": 4, "token_budget": 1000 } }
            """);
        var r = Torchmix.InProcess("train", "--config", cfg, "--out", Path.Combine(_root, "run"));
        Assert.Equal(2, r.Code);
        Assert.Contains("domain 'one' has no validation document", r.Err);
        Assert.Contains("validation_fraction", r.Err);
        Assert.DoesNotContain("sequence_length", r.Err);
        Assert.False(Directory.Exists(Path.Combine(_root, "run")));
    }

    private static int Sh(string command)
    {
        using var p = Process.Start(new ProcessStartInfo("sh", ["-c", command + " 2>/dev/null"]) { UseShellExecute = false })!;
        p.WaitForExit();
        return p.ExitCode;
    }
}
