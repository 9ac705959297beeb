namespace TorchMixing.Tests.Reliability;

/// <summary>
/// The tiny synthetic run the fault tests train: a 2-layer GPT on three Markov domains (one a corrupted copy), an
/// evaluation every 4 steps and at the end, a checkpoint every 3 (two kept). One definition, so the fault cases all
/// exercise the same run and differ only in the weights section they ask for.
/// </summary>
internal static class TinyRunConfig
{
    /// <summary>Writes <c>tiny.json</c> into <paramref name="folder"/> and returns its path.</summary>
    /// <param name="weights">the config's <c>weights</c> section, as JSON.</param>
    public static string Write(string folder, int steps, string weights)
    {
        string path = Path.Combine(folder, "tiny.json");
        File.WriteAllText(path, $$"""
        {
          "name": "tiny", "seed": 7, "threads": 1,
          "model": { "vocab_size": 48, "sequence_length": 16, "layers": 2, "heads": 2, "width": 32 },
          "data": { "synthetic": { "domains": [
            { "name": "a", "tokens": 3000, "branching": 2 },
            { "name": "b", "tokens": 3000, "branching": 6 },
            { "name": "noisy", "tokens": 3000, "branching": 2, "copy_of": "a", "corruption": 0.4 } ] } },
          "optimizer": { "learning_rate": 0.01, "min_learning_rate": 0.001, "warmup_steps": 3 },
          "train": { "batch_size": 8, "token_budget": {{8 * 16 * steps}}, "eval_every": 4, "eval_sequences": 8,
                     "checkpoint_every": 3, "keep_checkpoints": 2, "grad_stats_every": 3 },
          "weights": {{weights}}
        }
        """);
        return path;
    }
}
