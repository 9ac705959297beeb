namespace TorchMixing.Data;

/// <summary>One domain after tokenization: its training and held-out sequences (memory-mapped) and its counts.</summary>
public sealed class DomainCorpus(DomainSource source, TokenCacheMeta meta, CachedDomainSequences train,
    CachedDomainSequences heldOut, bool fromCache, string cacheFolder) : IDisposable
{
    public DomainSource Source { get; } = source;
    public string Name => Source.Name;
    public TokenCacheMeta Meta { get; } = meta;
    public CachedDomainSequences Train { get; } = train;
    public CachedDomainSequences HeldOut { get; } = heldOut;

    /// <summary>True when the tokens came from an existing cache (no tokenization this run).</summary>
    public bool FromCache { get; } = fromCache;

    public string CacheFolder { get; } = cacheFolder;

    public void Dispose()
    {
        Train.Dispose();
        HeldOut.Dispose();
    }
}
