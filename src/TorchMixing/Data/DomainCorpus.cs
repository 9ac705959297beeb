namespace TorchMixing.Data;

/// <summary>One domain after tokenization: its train, validation and test sequences (memory-mapped) and its counts.</summary>
public sealed class DomainCorpus(DomainSource source, TokenCacheMeta meta, CachedDomainSequences train,
    CachedDomainSequences validation, CachedDomainSequences test, bool fromCache, string cacheFolder) : IDisposable
{
    public DomainSource Source { get; } = source;
    public string Name => Source.Name;
    public TokenCacheMeta Meta { get; } = meta;
    public CachedDomainSequences Train { get; } = train;
    public CachedDomainSequences Validation { get; } = validation;
    public CachedDomainSequences Test { get; } = test;

    public CachedDomainSequences this[DataSplit split] => split switch
    {
        DataSplit.Train => Train,
        DataSplit.Validation => Validation,
        _ => Test,
    };

    /// <summary>True when the tokens came from an existing cache (no tokenization this run).</summary>
    public bool FromCache { get; } = fromCache;

    public string CacheFolder { get; } = cacheFolder;

    public void Dispose()
    {
        Train.Dispose();
        Validation.Dispose();
        Test.Dispose();
    }
}
