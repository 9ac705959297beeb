namespace TorchMixing.Weighting;

/// <summary>
/// The variance of a weighted batch gradient, in one place (paper §2.3). A batch holding b_i examples of domain i,
/// each drawn with replacement and scaled by s_i, has E‖g − E g‖² = Σ_i s_i² b_i v_i², with v_i² the within-domain
/// per-example gradient variance (the trace of its covariance). With the decoupled scales s_i = π_i w_i / b_i this is
/// Σ_i π_i² w_i² v_i² / b_i, whose minimum under Σ b_i = B is (Σ π_i w_i v_i)² / B, at b_i ∝ π_i w_i v_i.
/// The counts are the ones the batch actually holds (the allocator's minimum per domain included), which is what
/// the scales divide by (see <see cref="DomainMixer"/>).
/// </summary>
public static class GradientVariance
{
    /// <summary>Σ_i s_i² b_i v_i² for any scales (decoupled or classic), the counts b_i the batch holds and v_i².</summary>
    public static double OfBatch(IReadOnlyList<double> scales, IReadOnlyList<double> counts, IReadOnlyList<double> spreadSquared)
    {
        double total = 0;
        for (int i = 0; i < scales.Count; i++)
        {
            // A domain that adds nothing to the gradient adds no variance, even where its spread was not measurable.
            if (scales[i] == 0 || counts[i] == 0) continue;
            total += scales[i] * scales[i] * counts[i] * spreadSquared[i];
        }
        return total;
    }

    /// <param name="importance">π_i.</param>
    /// <param name="lossWeights">w_i.</param>
    /// <param name="spread">v_i, the within-domain per-example gradient standard deviation.</param>
    /// <param name="counts">b_i, the examples of each domain in the batch.</param>
    /// <remarks><see cref="OfBatch"/> with s_i = π_i w_i / b_i written out, so a domain with π_i w_i v_i &gt; 0 and no
    /// examples reads as infinite variance instead of a division by zero.</remarks>
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
