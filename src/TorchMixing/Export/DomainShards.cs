namespace TorchMixing.Export;

/// <summary>
/// The token files written for one domain (<see cref="TokenShards"/>): Megatron prefixes, OLMo memmap paths (each with
/// its <c>.csv.gz</c> document index beside it) and the Mosaic MDS folder, with the document and token counts of each
/// split. The valid prefix and path are null when the domain has no held-out document; the Mosaic folder is null when
/// no sequence length was known (its samples are sequences) and <see cref="MosaicSamples"/> is then 0.
/// </summary>
public sealed record DomainShards(string Name, string MegatronTrainPrefix, string? MegatronValidPrefix,
    string OlmoTrainPath, string? OlmoValidPath, long TrainDocuments, long TrainTokens, long ValidDocuments, long ValidTokens,
    string? MosaicTrainFolder = null, long MosaicSamples = 0);
