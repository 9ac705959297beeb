namespace TorchMixing.Weighting;

/// <summary>
/// The math contract in one function: the per-example loss scale for each domain, so that the batch gradient is
/// Σ_i s_i Σ_{j≤b_i} ∇ℓ(θ; z_ij). Called through <see cref="DomainMixer.Scales"/>, which documents why dividing by
/// the batch's realised counts is unbiased for every allocator.
/// </summary>
public static class LossScales
{
    /// <param name="importance">π_i, the evaluation importance (need not sum to one).</param>
    /// <param name="lossWeights">w_i, the loss weights.</param>
    /// <param name="counts">
    /// b_i, the number of examples of domain i in this batch (stratified and multinomial alike).
    /// </param>
    /// <param name="mode">Decoupled: s_i = π_i·w_i/b_i. Classic: s_i = w_i/B.</param>
    public static double[] Compute(IReadOnlyList<double> importance, IReadOnlyList<double> lossWeights,
                                   IReadOnlyList<double> counts, GradientMode mode)
    {
        int k = importance.Count;
        if (lossWeights.Count != k || counts.Count != k)
            throw new ArgumentException($"importance, lossWeights and counts must all have {k} entries.");
        double total = counts.Sum();
        var s = new double[k];
        for (int i = 0; i < k; i++)
        {
            if (mode == GradientMode.Classic)
            {
                s[i] = total > 0 ? lossWeights[i] / total : 0;
                continue;
            }
            double target = importance[i] * lossWeights[i];
            if (target == 0) { s[i] = 0; continue; }
            // A domain the objective needs but the batch left out would make the estimator biased: refuse loudly
            // rather than silently dropping it. Allocators guarantee b_i ≥ 1 when asked for a minimum per domain.
            if (counts[i] <= 0)
                throw new InvalidOperationException(
                    $"Domain {i} has π·w = {target} but no examples in the batch; decoupled mode needs b_i ≥ 1 " +
                    "(set a minimum per domain in the allocator).");
            s[i] = target / counts[i];
        }
        return s;
    }
}
