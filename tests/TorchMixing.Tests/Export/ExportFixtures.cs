using TorchMixing.Data;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Export;

/// <summary>Mixtures built by hand, so every expected number in the export tests is computed here, not by the exporter.</summary>
internal static class ExportFixtures
{
    public static readonly double[] Pi = [0.2, 0.3, 0.5];
    public static readonly double[] W = [2.0, 1.0, 0.5];
    public static readonly double[] P = [0.5, 0.3, 0.2];
    public static readonly double[] AvgW = [1.5, 1.0, 1.0];
    public static readonly double[] AvgP = [0.4, 0.3, 0.3];
    public static readonly long[] Tokens = [200_000, 50_000, 400_000];
    public static readonly long[] Documents = [1_000, 500, 8_000];

    /// <summary>A decoupled, adaptive (two change points) three-domain mixture with token counts and no caps.</summary>
    public static MixtureFile Adaptive(GradientMode mode = GradientMode.Decoupled, DomainSamplingLimits?[]? limits = null, bool counts = true) => new MixtureFile
    {
        Mode = mode,
        Policy = "erma+va",
        TokenBudget = 300_000,
        SequenceLength = 64,
        Domains = Enumerable.Range(0, 3).Select(i => new MixtureDomain
        {
            Name = new[] { "code", "prose", "web" }[i],
            Importance = Pi[i], LossWeight = W[i], SamplingWeight = P[i],
            AveragedLossWeight = AvgW[i], AveragedSamplingWeight = AvgP[i],
            Limits = limits?[i],
            AvailableTokens = counts ? Tokens[i] : null,
            AvailableDocuments = counts ? Documents[i] : null,
        }).ToList(),
        Trajectory =
        [
            new MixturePoint { Step = 0, Tokens = 0, LossWeights = [1, 1, 1], SamplingWeights = [0.3, 0.3, 0.4] },
            new MixturePoint { Step = 40, Tokens = 30_720, LossWeights = W, SamplingWeights = P },
        ],
    }.Validated("fixture");

    /// <summary>The same weights, fixed (no trajectory, no averages).</summary>
    public static MixtureFile Static() => Adaptive() with
    {
        Policy = "static",
        Trajectory = [],
        Domains = Adaptive().Domains.Select(d => d with { AveragedLossWeight = null, AveragedSamplingWeight = null }).ToList(),
    };

    /// <summary>x normalised to sum to one.</summary>
    public static double[] Normalized(IEnumerable<double> x)
    {
        var a = x.ToArray();
        double s = a.Sum();
        return a.Select(v => v / s).ToArray();
    }

    /// <summary>The objective shares computed from scratch: π·w (decoupled) or p·w (classic), normalised.</summary>
    public static double[] Objective(GradientMode mode, double[] w, double[] p) =>
        Normalized(Enumerable.Range(0, 3).Select(i => (mode == GradientMode.Decoupled ? Pi[i] : p[i]) * w[i]));

    public static void AssertProportional(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string what, double tolerance = 1e-9)
    {
        Assert.Equal(expected.Count, actual.Count);
        var e = Normalized(expected);
        var a = Normalized(actual);
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= tolerance, $"{what}[{i}]: expected {e[i]}, got {a[i]} (all: {string.Join(", ", a)})");
    }
}
