using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchMixing.Models;

/// <summary>The position-wise feed-forward block: d → 4d → GELU → d.</summary>
public sealed class GptMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear c_fc;
    private readonly Linear c_proj;
    private readonly Dropout drop;

    public GptMlp(GptConfig config) : base(nameof(GptMlp))
    {
        c_fc = nn.Linear(config.Width, 4 * config.Width);
        c_proj = nn.Linear(4 * config.Width, config.Width);
        drop = nn.Dropout(config.Dropout);
        RegisterComponents();
    }

    internal Linear OutputProjection => c_proj;

    public override Tensor forward(Tensor x) => drop.forward(c_proj.forward(nn.functional.gelu(c_fc.forward(x))));
}
