namespace TorchMixing.Models;

/// <summary>
/// Sizes of the decoder-only transformer (nanoGPT's GPTConfig). Defaults are a ~1M-parameter model on a small
/// vocabulary; set <see cref="VocabSize"/> = 50257 for the real GPT-2 tokenizer (the embedding then dominates).
/// </summary>
public sealed record GptConfig
{
    public int VocabSize { get; init; } = 4096;

    /// <summary>Maximum context T (the position table's length).</summary>
    public int SequenceLength { get; init; } = 64;

    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;

    /// <summary>Model width d (embedding size); must be divisible by <see cref="Heads"/>.</summary>
    public int Width { get; init; } = 128;

    /// <summary>Dropout on attention output and MLP; 0 keeps runs deterministic without a torch RNG in checkpoints.</summary>
    public double Dropout { get; init; }

    /// <summary>Fast enough for unit tests: d = 32, 2 layers.</summary>
    public static GptConfig Tiny(int vocab = 64, int sequenceLength = 16) =>
        new() { VocabSize = vocab, SequenceLength = sequenceLength, Layers = 2, Heads = 2, Width = 32 };

    /// <summary>Checks that the shapes fit; <paramref name="source"/> names the config file in messages.</summary>
    public GptConfig Validated(string source = "model")
    {
        if (VocabSize < 2) throw new UserInputException($"{source}: model.vocab_size must be at least 2, got {VocabSize}.");
        if (SequenceLength < 1) throw new UserInputException($"{source}: model.sequence_length must be at least 1, got {SequenceLength}.");
        if (Layers < 1) throw new UserInputException($"{source}: model.layers must be at least 1, got {Layers}.");
        if (Heads < 1) throw new UserInputException($"{source}: model.heads must be at least 1, got {Heads}.");
        if (Width < 1 || Width % Heads != 0)
            throw new UserInputException($"{source}: model.width {Width} must be a positive multiple of model.heads {Heads}.");
        if (Dropout < 0 || Dropout >= 1 || double.IsNaN(Dropout))
            throw new UserInputException($"{source}: model.dropout must be in [0, 1), got {Dropout}.");
        return this;
    }

    /// <summary>
    /// Parameter count from the shapes alone (independent of the module tree, so a test can compare the two):
    /// embeddings V·d + T·d; per block two LayerNorms (2·2d), qkv (d·3d + 3d), output projection (d² + d),
    /// MLP (d·4d + 4d + 4d·d + d); final LayerNorm 2d; the head is tied to the token embedding.
    /// </summary>
    public long ParameterCount()
    {
        long d = Width;
        long block = 4 * d + (3 * d * d + 3 * d) + (d * d + d) + (8 * d * d + 5 * d);
        return (long)VocabSize * d + (long)SequenceLength * d + Layers * block + 2 * d;
    }

    /// <summary>
    /// Forward FLOPs per token of the matmuls (2 per multiply-add): 2·(12·L·d² + V·d) for the linear layers and head,
    /// plus 2·2·L·T·d for attention scores and values at full context (causal attention does about half; nanoGPT and
    /// PaLM count it in full, and so do we). Training ≈ 3× forward.
    /// </summary>
    public double ForwardFlopsPerToken(int contextLength)
    {
        double d = Width, l = Layers;
        return 2 * (12 * l * d * d + VocabSize * d) + 4 * l * contextLength * d;
    }
}
