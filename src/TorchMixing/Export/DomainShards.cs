namespace TorchMixing.Export;

/// <summary>
/// The token files written for one domain (<see cref="TokenShards"/>): Megatron prefixes and OLMo memmap paths, with
/// the document and token counts of each split. The valid prefix and path are null when the domain has no held-out
/// document.
/// </summary>
public sealed record DomainShards(string Name, string MegatronTrainPrefix, string? MegatronValidPrefix,
    string OlmoTrainPath, string? OlmoValidPath, long TrainDocuments, long TrainTokens, long ValidDocuments, long ValidTokens);
