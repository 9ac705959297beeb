namespace TorchMixing.Weighting;

/// <summary>
/// The variance of the stratified decoupled batch gradient (design.md §2, paper §2.3):
/// E‖g − ∇Σπ_i w_i L̂_i‖² = Σ_i π_i² w_i² v_i² / b_i, with v_i² the within-domain per-example gradient variance and
/// examples drawn with replacement. The minimum under Σ b_i = B is (Σ π_i w_i v_i)² / B, at b_i ∝ π_i w_i v_i.
/// </summary>
public static class GradientVariance
{
    /// <param name="importance">π_i.</param>
    /// <param name="lossWeights">w_i.</param>
    /// <param name="spread">v_i, the within-domain per-example gradient standard deviation.</param>
    /// <param name="counts">b_i (or expected counts for multinomial batches, where this is only an approximation).</param>
    public static double Theoretical(IReadOnlyList<double> importance, IReadOnlyList<double> lossWeights,
                                     IReadOnlyList<double> spread, IReadOnlyList<double> counts)
    {
        double total = 0;
        for (int i = 0; i < importance.Count; i++)
        {
            double a = importance[i] * lossWeights[i] * spread[i];
            if (a == 0) continue;
            if (counts[i] <= 0) return double.PositiveInfinity;
            total += a * a / counts[i];
        }
        return total;
    }

    /// <summary>The lower bound (Σ π_i w_i v_i)² / B reached by Variance-Aware allocation with real-valued counts.</summary>
    public static double Minimum(IReadOnlyList<double> importance, IReadOnlyList<double> lossWeights,
                                 IReadOnlyList<double> spread, int batchSize)
    {
        double s = 0;
        for (int i = 0; i < importance.Count; i++) s += importance[i] * lossWeights[i] * spread[i];
        return s * s / batchSize;
    }
}
