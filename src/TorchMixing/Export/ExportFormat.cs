namespace TorchMixing.Export;

/// <summary>The trainers a mixture can be exported to (docs/export.md: one section, and one upstream file, per target).</summary>
public enum ExportFormat
{
    /// <summary>Megatron-LM: <c>--data-path</c> weights/prefixes, <c>--data-args-path</c> file, per-split blend JSON.</summary>
    Megatron,

    /// <summary>NeMo Automodel <c>MegatronPretraining</c> recipe sections: a per-split Megatron blend of the objective shares.</summary>
    Nemo,

    /// <summary>OLMo-core <c>SourceMixtureDatasetConfig</c> / <c>SourceMixtureConfig</c> (token-fraction target ratios).</summary>
    Olmo,

    /// <summary>Hugging Face <c>datasets.interleave_datasets(probabilities, seed, stopping_strategy)</c>.</summary>
    Hf,

    /// <summary>Mosaic Streaming <c>Stream(proportion | repeat)</c> in a <c>StreamingDataset</c>.</summary>
    Mosaic,

    /// <summary>torchtune: a recipe <c>dataset:</c> section (its releases have no weighted mixing; see the exporter).</summary>
    Torchtune,
}
