using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchMixing.Models;

/// <summary>
/// A small decoder-only transformer (nanoGPT's model.py, in the order data flows): token + position embeddings,
/// pre-LayerNorm blocks of causal self-attention and a GELU MLP, a final LayerNorm, and an output head tied to the
/// token embedding. <c>forward</c> maps token ids (B, T) to next-token logits (B, T, V).
/// </summary>
public sealed class Gpt : nn.Module<Tensor, Tensor>
{
    private readonly Embedding wte;
    private readonly Embedding wpe;
    private readonly Dropout drop;
    private readonly ModuleList<GptBlock> h;
    private readonly LayerNorm ln_f;

    public Gpt(GptConfig config) : base(nameof(Gpt))
    {
        Config = config.Validated();
        wte = nn.Embedding(config.VocabSize, config.Width);
        wpe = nn.Embedding(config.SequenceLength, config.Width);
        drop = nn.Dropout(config.Dropout);
        h = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new GptBlock(config)).ToArray());
        ln_f = nn.LayerNorm(config.Width);
        RegisterComponents();
        Initialize();
    }

    public GptConfig Config { get; }

    /// <summary>The token embedding, which is also the output head's weight (weight tying).</summary>
    public Tensor TokenEmbedding => wte.weight!;

    public override Tensor forward(Tensor idx)
    {
        long t = idx.shape[1];
        if (t > Config.SequenceLength)
            throw new ArgumentException($"sequence of {t} tokens is longer than the model's context {Config.SequenceLength}.");
        var pos = arange(t, dtype: ScalarType.Int64, device: idx.device);
        var x = drop.forward(wte.forward(idx) + wpe.forward(pos));
        foreach (var block in h) x = block.forward(x);
        x = ln_f.forward(x);
        // Tied head: logits = x · Eᵀ (no separate V×d matrix to learn, as in GPT-2).
        return nn.functional.linear(x, wte.weight!);
    }

    /// <summary>
    /// GPT-2 initialisation: N(0, 0.02) for linear and embedding weights, zero biases, and residual projections
    /// scaled by 1/√(2·layers) so the residual stream's variance does not grow with depth.
    /// </summary>
    private void Initialize()
    {
        using var _ = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("bias")) nn.init.zeros_(p);
            else if (name.Contains("ln_")) nn.init.ones_(p);
            else nn.init.normal_(p, 0, 0.02);
        }
        double residualStd = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        foreach (var block in h)
            foreach (var proj in block.ResidualProjections)
                nn.init.normal_(proj.weight!, 0, residualStd);
    }
}
