using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchMixing.Config;
using TorchMixing.IO;
using TorchMixing.Tokenization;

namespace TorchMixing.Data;

/// <summary>
/// Tokenizes a domain once and keeps the result as flat token files (nanoGPT's train.bin/val.bin, plus test.bin) with
/// document offsets, in a folder named by a fingerprint of everything the tokens depend on: the source files (path,
/// size, modification time), text column, tokenizer and the validation and test shares. Change any of them and the fingerprint — so
/// the folder — changes; stale folders of the domain are removed after a successful build. The folder is built
/// under a temporary name and renamed into place, so an interrupted build never leaves a half-written cache.
/// <para>Pipeline: one thread reads Parquet row groups and cuts them into chunks of documents, all cores tokenize
/// chunks as they come (no barrier between row groups), and the calling thread writes chunks in their original order
/// — so the cache is identical whatever the thread count, and a bounded number of chunks in flight keeps memory flat
/// in file size.</para>
/// </summary>
public static class TokenCache
{
    // Chunks of about 256k characters (~60k tokens, ~20 ms of one core's tokenizing): small enough that the last
    // chunk of a row group does not leave a core idle for long, large enough that scheduling costs nothing.
    private const int ChunkChars = 1 << 18;

    // Chunks read ahead per core and domain being built: bounds memory (cores × this × ChunkChars characters per
    // domain) whatever the file size.
    private const int ChunksInFlight = 4;

    /// <summary>Opens the domain's cache, building it first if missing or stale.</summary>
    public static DomainCorpus Open(DataCatalog catalog, DomainSource domain, TextTokenizer tokenizer, bool forceRebuild = false, int? workers = null) =>
        Open(catalog, domain, tokenizer, forceRebuild, TokenizingScheduler(workers ?? Environment.ProcessorCount));

    private static DomainCorpus Open(DataCatalog catalog, DomainSource domain, TextTokenizer tokenizer, bool forceRebuild, TaskScheduler tokenizing)
    {
        var files = SourceFiles.Resolve(domain, catalog.BaseDirectory);
        string fp = Fingerprint(domain, files, tokenizer.Id, catalog.Split);
        // A cut vocabulary caches in a subfolder named by its id, so caches of several vocabulary sizes live side by
        // side (a proxy sweep switches between them) instead of each build removing the others as stale.
        string root = tokenizer.Id == tokenizer.Name ? catalog.ResolvedCacheDir : Path.Combine(catalog.ResolvedCacheDir, tokenizer.Id);
        string folder = Path.Combine(root, $"{domain.Name}-{fp[..16]}");
        StaleTemporaries.Clean(root);
        var meta = forceRebuild ? null : TryReadMeta(folder, fp);
        if (meta is not null && (VerifyMeta(folder) ?? VerifyFiles(folder, meta)) is { } problem)
        {
            Warn?.Invoke($"{folder}: {problem}; rebuilding the cache of domain '{domain.Name}'.");
            meta = null;
        }
        bool fromCache = meta is not null;
        if (meta is null)
        {
            try
            {
                AtomicFile.WriteDirectory(folder, tmp =>
                {
                    var built = Build(domain, files, tokenizer, catalog.Split, fp, tmp, tokenizing);
                    meta = built with { Checksums = TokenFileNames.ToDictionary(f => f, f => Sha256(Path.Combine(tmp, f))) };
                    File.WriteAllText(Path.Combine(tmp, "meta.json"), ConfigLoader.Serialize(meta));
                    File.WriteAllText(Path.Combine(tmp, MetaChecksumFile), Sha256(Path.Combine(tmp, "meta.json")) + "\n");
                });
            }
            catch (Exception e) when (EnvironmentException.IsFileSystemError(e))
            {
                throw new EnvironmentException(EnvironmentException.From(e, root, "write the token cache").Message.TrimEnd('.') +
                                               "; make the folder writable or set cache_dir in the catalog to one that is.", e);
            }
            RemoveStale(root, domain.Name, folder);
        }
        CachedDomainSequences Part(DataSplit split) =>
            new(domain.Name, new TokenFile(Path.Combine(folder, FileStem(split) + ".bin"), meta!.TokenBytes), catalog.SequenceLength);
        return new DomainCorpus(domain, meta!, Part(DataSplit.Train), Part(DataSplit.Validation), Part(DataSplit.Test), fromCache, folder);
    }

    /// <summary>
    /// Every domain of the catalog, in catalog order. Domains are opened (built) two at a time on their own threads,
    /// sharing one pool of tokenizing workers: a small domain alone cannot keep the cores busy (decoding its first
    /// row group and finishing its last chunk are serial), and catalogs often hold several small domains. When a
    /// domain fails, the others are closed and the error of the first failing domain in catalog order is thrown.
    /// </summary>
    public static IReadOnlyList<DomainCorpus> OpenAll(DataCatalog catalog, bool forceRebuild = false, Action<DomainCorpus>? onDomain = null)
    {
        TextTokenizer tokenizer;
        using (var lease = TextTokenizer.Rent(catalog.Tokenizer)) tokenizer = lease.Tokenizer; // only its name and ids are used
        var tokenizing = TokenizingScheduler(Environment.ProcessorCount);
        int n = catalog.Domains.Count;
        var opened = new DomainCorpus?[n];
        var errors = new ExceptionDispatchInfo?[n];
        int next = -1;
        void OpenNext()
        {
            for (int i; (i = Interlocked.Increment(ref next)) < n;)
            {
                try { opened[i] = Open(catalog, catalog.Domains[i], tokenizer, forceRebuild, tokenizing); }
                catch (Exception e) { errors[i] = ExceptionDispatchInfo.Capture(e); }
            }
        }
        // Dedicated threads, not pool threads: each blocks while it writes, and the tokenizing tasks need the pool.
        var openers = Enumerable.Range(0, Math.Min(DomainsAtOnce, n))
            .Select(_ => Task.Factory.StartNew(OpenNext, TaskCreationOptions.LongRunning)).ToArray();
        Task.WaitAll(openers);
        if (errors.FirstOrDefault(e => e is not null) is { } first)
        {
            foreach (var c in opened) c?.Dispose();
            first.Throw();
        }
        foreach (var c in opened) onDomain?.Invoke(c!);
        return opened!;
    }

    private const int DomainsAtOnce = 2;

    private static TaskScheduler TokenizingScheduler(int workers) =>
        new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, Math.Max(1, workers)).ConcurrentScheduler;

    /// <summary>The file stem of a split's tokens in a cache folder (<c>train</c>, <c>val</c>, <c>test</c>, nanoGPT's names).</summary>
    public static string FileStem(DataSplit split) => split switch
    {
        DataSplit.Train => "train",
        DataSplit.Validation => "val",
        _ => "test",
    };

    /// <summary>
    /// Hash of what the tokens depend on. <paramref name="tokenizer"/> is <see cref="TextTokenizer.Id"/>, which carries a
    /// cut vocabulary's size: caches of different sizes never collide, and changing the size rebuilds.
    /// </summary>
    internal static string Fingerprint(DomainSource domain, IReadOnlyList<string> files, string tokenizer, DocumentSplit split)
    {
        var sb = new StringBuilder();
        sb.AppendLine(TokenCacheMeta.CurrentFormat).AppendLine(domain.Name).AppendLine(domain.TextColumn).AppendLine(tokenizer)
          .AppendLine(split.Validation.ToString("R", CultureInfo.InvariantCulture)).AppendLine(split.Test.ToString("R", CultureInfo.InvariantCulture));
        foreach (var f in files)
        {
            var info = Resolved(f);
            sb.Append(f).Append('|').Append(info.FullName).Append('|').Append(info.Length).Append('|').Append(info.LastWriteTimeUtc.Ticks).AppendLine();
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>
    /// The file a source path stands for: a symbolic link is followed to its final target, whose size and time are
    /// what change when the data changes (a link's own size is the length of the path it holds, its time that of
    /// its creation, so fingerprinting the link would keep serving the old tokens after the target was replaced).
    /// </summary>
    internal static FileInfo Resolved(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target ? target : info;
    }

    /// <summary>Where caches of files inspected directly (not through a catalog) go: the user's own cache folder
    /// (<c>$XDG_CACHE_HOME/torchmix</c>, else <c>~/.cache/torchmix</c>), never a temp folder shared by every user.</summary>
    public static string UserCacheDirectory(string sub)
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string root = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg) ? xdg
                    : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache")
                    : Path.Combine(Path.GetTempPath(), $"torchmix-{Environment.UserName}");
        return Path.Combine(root, "torchmix", sub);
    }

    /// <summary>Where a rebuilt cache is announced (a verification failure is recovered from, but said).</summary>
    public static Action<string>? Warn { get; set; } = m => Console.Error.WriteLine("warning: " + m);

    private static readonly string[] TokenFileNames =
        [.. Enum.GetValues<DataSplit>().SelectMany(s => new[] { FileStem(s) + ".bin", FileStem(s) + ".idx" })];

    /// <summary>
    /// Checks the token files against the SHA-256 recorded when the cache was built. Every reopen pays one sequential
    /// read of the files (the memory map reads them anyway, and they then sit in the page cache); what it buys is that
    /// bytes changed on disk are rebuilt rather than trained on. Returns the problem, or null when intact.
    /// </summary>
    private static string? VerifyFiles(string folder, TokenCacheMeta meta)
    {
        if (meta.Checksums is null) return "no checksums recorded (built by an older version)";
        foreach (var f in TokenFileNames)
        {
            string path = Path.Combine(folder, f);
            if (!File.Exists(path)) return $"{f} is missing";
            if (!meta.Checksums.TryGetValue(f, out var expected) || !string.Equals(expected, Sha256(path), StringComparison.OrdinalIgnoreCase))
                return $"{f} does not match its checksum";
        }
        return null;
    }

    /// <summary>The SHA-256 of meta.json, beside it: the counts and offsets in meta.json are read as they are, so a
    /// changed byte there would otherwise mis-split the token files without any error.</summary>
    private const string MetaChecksumFile = "meta.json.sha256";

    private static string? VerifyMeta(string folder)
    {
        string sums = Path.Combine(folder, MetaChecksumFile);
        if (!File.Exists(sums)) return $"{MetaChecksumFile} is missing (built by an older version)";
        return string.Equals(File.ReadAllText(sums).Trim(), Sha256(Path.Combine(folder, "meta.json")), StringComparison.OrdinalIgnoreCase)
            ? null : "meta.json does not match its checksum";
    }

    private static string Sha256(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    private static TokenCacheMeta? TryReadMeta(string folder, string fingerprint)
    {
        string path = Path.Combine(folder, "meta.json");
        if (!File.Exists(path)) return null;
        try
        {
            var meta = JsonSerializer.Deserialize<TokenCacheMeta>(File.ReadAllText(path), ConfigLoader.Options);
            return meta is not null && meta.Format == TokenCacheMeta.CurrentFormat && meta.Fingerprint == fingerprint ? meta : null;
        }
        catch (JsonException) { return null; } // unreadable meta: rebuild
    }

    private static void RemoveStale(string root, string domain, string keep)
    {
        foreach (var dir in Directory.EnumerateDirectories(root, domain + "-*"))
        {
            if (Path.GetFullPath(dir) == Path.GetFullPath(keep)) continue;
            if (Path.GetFileName(dir).Length != domain.Length + 17) continue; // only <domain>-<16 hex>
            try { Directory.Delete(dir, recursive: true); } catch (Exception e) when (EnvironmentException.IsFileSystemError(e)) { }
        }
    }

    /// <summary>
    /// A run of consecutive documents of one row group: tokenized by a worker, written by the writer in stream order.
    /// </summary>
    private sealed class Chunk(RowGroupText docs, int start, int count)
    {
        public readonly RowGroupText Docs = docs;
        public readonly int Start = start, Count = count;
        public readonly IReadOnlyList<int>?[] Ids = new IReadOnlyList<int>?[count];
        public readonly DataSplit[] Split = new DataSplit[count];
        public long TextBytes;
        public Task Done = Task.CompletedTask;
    }

    private static TokenCacheMeta Build(DomainSource domain, IReadOnlyList<string> files, TextTokenizer tokenizer,
        DocumentSplit split, string fingerprint, string folder, TaskScheduler tokenizing)
    {
        var started = DateTime.UtcNow;
        int tokenBytes = tokenizer.VocabSize <= 65536 ? 2 : 4;
        using var train = new TokenWriter(Path.Combine(folder, FileStem(DataSplit.Train)), tokenBytes);
        using var validation = new TokenWriter(Path.Combine(folder, FileStem(DataSplit.Validation)), tokenBytes);
        using var test = new TokenWriter(Path.Combine(folder, FileStem(DataSplit.Test)), tokenBytes);
        long rows = 0, nulls = 0, empties = 0, textBytes = 0;

        // Reader thread → tokenizing workers → this thread writing, with no barrier between row groups: the reader
        // cuts each row group into chunks of about ChunkChars characters and starts a tokenizing task per chunk; the
        // writer takes chunks in stream order and waits for each, so workers stay busy while earlier chunks are
        // written and the next row group is decoded. The bounded queue caps the chunks in flight, so memory does not
        // grow with file size; writing in stream order keeps the cache identical whatever the worker count.
        using var inFlight = new BlockingCollection<Chunk>(ChunksInFlight * Environment.ProcessorCount);
        using var stop = new CancellationTokenSource();
        ExceptionDispatchInfo? readError = null;
        var reader = Task.Factory.StartNew(() =>
        {
            try
            {
                foreach (var f in files)
                {
                    using var r = ParquetTextReader.Open(f, domain.TextColumn);
                    long invalid = 0;
                    for (int g = 0; g < r.RowGroupCount; g++)
                    {
                        var text = r.ReadRowGroupText(g);
                        invalid += InvalidUtf8Documents(text);
                        foreach (var chunk in Chunks(text))
                        {
                            chunk.Done = Task.Factory.StartNew(() => Tokenize(chunk, tokenizer.Spec, split), stop.Token,
                                                               TaskCreationOptions.None, tokenizing);
                            inFlight.Add(chunk, stop.Token);
                        }
                    }
                    if (invalid > 0)
                        Warn?.Invoke($"{f}: {invalid} document(s) of column '{domain.TextColumn}' hold invalid UTF-8, read as U+FFFD (the replacement " +
                                     "character) and tokenized so; check the file's encoding.");
                }
            }
            catch (OperationCanceledException) { }
            catch (Exception e) { readError = ExceptionDispatchInfo.Capture(e); }
            finally { inFlight.CompleteAdding(); }
        }, TaskCreationOptions.LongRunning);

        try
        {
            foreach (var chunk in inFlight.GetConsumingEnumerable())
            {
                chunk.Done.GetAwaiter().GetResult(); // rethrows a worker's exception as itself
                rows += chunk.Count;
                textBytes += chunk.TextBytes;
                for (int i = 0; i < chunk.Count; i++)
                {
                    if (chunk.Docs.IsNull[chunk.Start + i]) { nulls++; continue; }
                    if (chunk.Ids[i] is not { } ids) { empties++; continue; }
                    (chunk.Split[i] switch { DataSplit.Validation => validation, DataSplit.Test => test, _ => train })
                        .AppendDocument(ids, tokenizer.EndOfText);
                }
            }
        }
        finally
        {
            stop.Cancel();
            reader.Wait();
            // Let started tokenizing tasks finish before the writers close (they only touch their own chunk).
            foreach (var chunk in inFlight) chunk.Done.ContinueWith(_ => { }).Wait();
        }
        readError?.Throw();

        if (train.Documents + validation.Documents + test.Documents == 0)
            throw new UserInputException(
                $"domain '{domain.Name}': no documents in column '{domain.TextColumn}' of {files.Count} file(s) ({rows} rows: {nulls} null, {empties} empty).");
        train.Complete();
        validation.Complete();
        test.Complete();
        var meta = new TokenCacheMeta
        {
            Fingerprint = fingerprint, Domain = domain.Name, Tokenizer = tokenizer.Id, TokenBytes = tokenBytes,
            EndOfText = tokenizer.EndOfText, ValidationFraction = split.Validation, TestFraction = split.Test, Files = files.Count,
            SourceBytes = files.Sum(f => Resolved(f).Length), TextBytes = textBytes, Rows = rows, NullRows = nulls,
            EmptyRows = empties, TrainDocuments = train.Documents, ValidationDocuments = validation.Documents,
            TestDocuments = test.Documents, TrainTokens = train.Tokens, ValidationTokens = validation.Tokens, TestTokens = test.Tokens,
            TokenizeSeconds = (DateTime.UtcNow - started).TotalSeconds,
        };
        File.WriteAllText(Path.Combine(folder, "meta.json"), ConfigLoader.Serialize(meta));
        return meta;
    }

    /// <summary>
    /// Documents holding U+FFFD: the Parquet reader decodes bytes that are not UTF-8 to that character without an
    /// error, so this count is how a file in another encoding shows (a text that itself contains U+FFFD counts too,
    /// which is rare and worth the same look).
    /// </summary>
    private static long InvalidUtf8Documents(RowGroupText docs)
    {
        long n = 0;
        for (int i = 0; i < docs.Count; i++)
            if (!docs.IsNull[i] && docs.Values[i].Span.Contains('\uFFFD')) n++;
        return n;
    }

    /// <summary>A row group cut into runs of consecutive documents of about <see cref="ChunkChars"/> characters.</summary>
    private static IEnumerable<Chunk> Chunks(RowGroupText docs)
    {
        int start = 0;
        long chars = 0;
        for (int i = 0; i < docs.Count; i++)
        {
            chars += docs.Values[i].Length;
            if (chars >= ChunkChars || i == docs.Count - 1)
            {
                yield return new Chunk(docs, start, i + 1 - start);
                start = i + 1;
                chars = 0;
            }
        }
    }

    private static void Tokenize(Chunk chunk, TokenizerSpec tokenizerSpec, DocumentSplit split)
    {
        // A tokenizer of our own for the chunk (TextTokenizer explains why sharing one does not scale).
        using var lease = TextTokenizer.Rent(tokenizerSpec);
        var tokenizer = lease.Tokenizer;
        long bytes = 0;
        for (int i = 0; i < chunk.Count; i++)
        {
            var d = chunk.Docs.Values[chunk.Start + i].Span;
            if (d.IsWhiteSpace()) continue; // null rows are empty slices too
            chunk.Ids[i] = tokenizer.Encode(d);
            chunk.Split[i] = split.Of(d);
            bytes += Encoding.UTF8.GetByteCount(d);
        }
        chunk.TextBytes = bytes;
    }

    /// <summary>Appends documents (tokens + end-of-text) to <c>X.bin</c> and their start offsets to <c>X.idx</c> (int64).</summary>
    private sealed class TokenWriter : IDisposable
    {
        private readonly FileStream _bin, _idx;
        private readonly int _width;
        private byte[] _buffer = new byte[1 << 16];

        public TokenWriter(string stem, int width)
        {
            _width = width;
            _bin = new FileStream(stem + ".bin", FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
            _idx = new FileStream(stem + ".idx", FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        }

        public long Documents { get; private set; }
        public long Tokens { get; private set; }

        public void AppendDocument(IReadOnlyList<int> ids, int endOfText)
        {
            Span<byte> off = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(off, Tokens);
            _idx.Write(off);
            // The tokenizer returns a List<int>: read it as a span (no interface call per token).
            ReadOnlySpan<int> span = ids is List<int> list ? CollectionsMarshal.AsSpan(list) : ids.ToArray();
            int need = (span.Length + 1) * _width;
            if (_buffer.Length < need) _buffer = new byte[Math.Max(need, _buffer.Length * 2)];
            if (_width == 2)
            {
                var narrow = MemoryMarshal.Cast<byte, ushort>(_buffer.AsSpan(0, need));
                for (int i = 0; i < span.Length; i++) narrow[i] = checked((ushort)span[i]);
                narrow[^1] = checked((ushort)endOfText);
                if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(narrow, narrow);
            }
            else
            {
                var wide = MemoryMarshal.Cast<byte, int>(_buffer.AsSpan(0, need));
                span.CopyTo(wide);
                wide[^1] = endOfText;
                if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(wide, wide);
            }
            _bin.Write(_buffer, 0, need);
            Tokens += span.Length + 1;
            Documents++;
        }

        /// <summary>Closes the offset table with the end position, so document d spans [idx[d], idx[d+1]).</summary>
        public void Complete()
        {
            Span<byte> off = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(off, Tokens);
            _idx.Write(off);
            _bin.Flush(flushToDisk: true);
            _idx.Flush(flushToDisk: true);
        }

        public void Dispose()
        {
            _bin.Dispose();
            _idx.Dispose();
        }
    }
}
