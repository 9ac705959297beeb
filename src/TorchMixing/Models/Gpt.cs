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

    /// <param name="config">Sizes.</param>
    /// <param name="seed">
    /// Seeds a private generator for the initial weights; null uses libtorch's global generator. A private one keeps
    /// a run reproducible even when other code (another test, another model) draws from the global generator.
    /// </param>
    public Gpt(GptConfig config, long? seed = null) : base(nameof(Gpt))
    {
        Config = config.Validated();
        wte = nn.Embedding(config.VocabSize, config.Width);
        wpe = nn.Embedding(config.SequenceLength, config.Width);
        drop = nn.Dropout(config.Dropout);
        h = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new GptBlock(config)).ToArray());
        ln_f = nn.LayerNorm(config.Width);
        RegisterComponents();
        using var generator = seed is long s ? new Generator((ulong)s) : null;
        Initialize(generator);
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
    // nn.init.normal_ in TorchSharp 0.107 ignores its generator argument (found by GptSeedTests), so draw with randn.
    private static void Normal(Tensor p, double std, Generator? generator)
    {
        using var r = randn(p.shape, dtype: p.dtype, generator: generator);
        p.copy_(r).mul_(std);
    }

    private void Initialize(Generator? generator)
    {
        using var _ = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("bias")) nn.init.zeros_(p);
            else if (name.Contains("ln_")) nn.init.ones_(p);
            else Normal(p, 0.02, generator);
        }
        double residualStd = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        foreach (var block in h)
            foreach (var proj in block.ResidualProjections)
                Normal(proj.weight!, residualStd, generator);
    }
}
