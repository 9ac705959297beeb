using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchMixing.Models;

/// <summary>Multi-head causal self-attention through scaled dot-product attention (libtorch's fused kernel).</summary>
public sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear c_attn;
    private readonly Linear c_proj;
    private readonly Dropout drop;
    private readonly int _heads;
    private readonly double _dropout;

    public CausalSelfAttention(GptConfig config) : base(nameof(CausalSelfAttention))
    {
        c_attn = nn.Linear(config.Width, 3 * config.Width);
        c_proj = nn.Linear(config.Width, config.Width);
        drop = nn.Dropout(config.Dropout);
        _heads = config.Heads;
        _dropout = config.Dropout;
        RegisterComponents();
    }

    /// <summary>The output projection, which GPT-2 initialises with a depth-scaled standard deviation.</summary>
    internal Linear OutputProjection => c_proj;

    public override Tensor forward(Tensor x)
    {
        long b = x.shape[0], t = x.shape[1], d = x.shape[2], hs = d / _heads;
        var qkv = c_attn.forward(x).split(d, dim: 2);
        var q = qkv[0].view(b, t, _heads, hs).transpose(1, 2);
        var k = qkv[1].view(b, t, _heads, hs).transpose(1, 2);
        var v = qkv[2].view(b, t, _heads, hs).transpose(1, 2);
        // is_casual (sic, TorchSharp's spelling) applies the lower-triangular mask inside the fused kernel.
        var y = nn.functional.scaled_dot_product_attention(q, k, v, p: training ? _dropout : 0, is_casual: true);
        y = y.transpose(1, 2).contiguous().view(b, t, d);
        return drop.forward(c_proj.forward(y));
    }
}
