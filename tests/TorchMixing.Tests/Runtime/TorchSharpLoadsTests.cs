using TorchSharp;
using static TorchSharp.torch;

namespace TorchMixing.Tests.Runtime;

/// <summary>
/// Proves the native library really loads on this host (the Debian 12 libstdc++ fix in the build) and computes:
/// a matmul against a hand computation and a backward pass against the analytic gradient.
/// </summary>
public class TorchSharpLoadsTests
{
    [Fact]
    public void Matmul_matches_hand_computation()
    {
        using var a = torch.tensor(new double[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = torch.tensor(new double[] { 5, 6, 7, 8 }).reshape(2, 2);
        using var c = a.matmul(b);
        Assert.Equal(new double[] { 19, 22, 43, 50 }, c.data<double>().ToArray());
    }

    [Fact]
    public void Backward_gives_analytic_gradient()
    {
        // f(x) = Σ sin(x)·x², so ∂f/∂x = cos(x)·x² + 2x·sin(x).
        double[] xs = [-1.5, 0.3, 2.0];
        using var x = torch.tensor(xs, requires_grad: true);
        using var f = (x.sin() * x.pow(2)).sum();
        f.backward();
        var g = x.grad!.data<double>().ToArray();
        for (int i = 0; i < xs.Length; i++)
            Assert.Equal(Math.Cos(xs[i]) * xs[i] * xs[i] + 2 * xs[i] * Math.Sin(xs[i]), g[i], 12);
    }

    [Fact]
    public void Adamw_step_reduces_a_quadratic()
    {
        var w = torch.nn.Parameter(torch.ones(4));
        var opt = torch.optim.AdamW([w], lr: 0.1);
        double first = 0, last = 0;
        for (int i = 0; i < 50; i++)
        {
            using var scope = torch.NewDisposeScope();
            opt.zero_grad();
            var loss = (w - 3).pow(2).sum();
            loss.backward();
            opt.step();
            if (i == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        Assert.True(last < first / 10, $"loss {first} → {last}");
    }
}
