namespace TorchMixing.Weighting;

/// <summary>
/// How RegMix draws its proxy mixtures, as the authors' mixture_config/synthesize_mixture.py does (sail-sg/regmix at
/// b004d3a): the prior is the natural shares flattened by <see cref="Temperature"/>; each draw is a Dirichlet with
/// α = strength·prior, the strength one of <see cref="StrengthCount"/> values log-spaced over
/// [<see cref="MinStrength"/>, <see cref="MaxStrength"/>] chosen uniformly; a draw that puts more than
/// min(<see cref="MaxUsage"/>·share_i, 1) on any domain (more epochs of it than the final run could afford) is
/// rejected; weights below <see cref="Minimum"/> become 0 and all are rounded to multiples of it; a draw within 1e-5
/// (L1) of one already kept is rejected (their de-duplication).
/// </summary>
public sealed record RegMixDesignOptions(double MinStrength = 0.1, double MaxStrength = 5, double Temperature = 0.5,
                                         double MaxUsage = 15, double Minimum = 2e-4)
{
    /// <summary>The authors' grid: np.logspace(log10 min, log10 max, 15).</summary>
    public const int StrengthCount = 15;

    /// <summary>The log-spaced strengths.</summary>
    public double[] Strengths()
    {
        double lo = Math.Log10(MinStrength), hi = Math.Log10(MaxStrength);
        return Enumerable.Range(0, StrengthCount)
            .Select(j => Math.Pow(10, StrengthCount == 1 || lo == hi ? lo : lo + (hi - lo) * j / (StrengthCount - 1))).ToArray();
    }
}
