using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchMixing.Models;

/// <summary>A pre-LayerNorm transformer block: x + attn(ln(x)), then x + mlp(ln(x)).</summary>
public sealed class GptBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm ln_1;
    private readonly CausalSelfAttention attn;
    private readonly LayerNorm ln_2;
    private readonly GptMlp mlp;

    public GptBlock(GptConfig config) : base(nameof(GptBlock))
    {
        ln_1 = nn.LayerNorm(config.Width);
        attn = new CausalSelfAttention(config);
        ln_2 = nn.LayerNorm(config.Width);
        mlp = new GptMlp(config);
        RegisterComponents();
    }

    internal IEnumerable<Linear> ResidualProjections => [attn.OutputProjection, mlp.OutputProjection];

    public override Tensor forward(Tensor x)
    {
        x = x + attn.forward(ln_1.forward(x));
        return x + mlp.forward(ln_2.forward(x));
    }
}
