using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchMixing.Models;

/// <summary>
/// A one-hidden-layer classifier (input → hidden → ReLU → classes), the small network of the label-noise image
/// study. <see cref="ForwardWithHidden"/> also returns the hidden activations, from which the last layer's
/// per-example gradients follow in closed form (for VA's gradient-spread estimate).
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public Mlp(int inputs, int hidden, int classes) : base(nameof(Mlp))
    {
        fc1 = nn.Linear(inputs, hidden);
        fc2 = nn.Linear(hidden, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc2.forward(nn.functional.relu(fc1.forward(x)));

    public (Tensor Hidden, Tensor Logits) ForwardWithHidden(Tensor x)
    {
        var h = nn.functional.relu(fc1.forward(x));
        return (h, fc2.forward(h));
    }
}
