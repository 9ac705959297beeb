using static TorchSharp.torch;

namespace TorchMixing.Studies;

/// <summary>
/// Closed-form reference solutions for the linear-regression study, batched over seeds: the weighted least-squares
/// estimator θ̂_c = (Σ_i c_i X_iᵀX_i)⁻¹ Σ_i c_i X_iᵀy_i with per-example weight c_i per domain. OLS is c_i = 1;
/// oracle GLS is c_i = 1/σ_i² (Aitken: the best linear unbiased estimator under per-domain noise, the paper §3.1).
/// </summary>
public static class LinearAnchors
{
    /// <param name="xs">Per domain, inputs [S, n_i, d].</param>
    /// <param name="ys">Per domain, targets [S, n_i].</param>
    /// <param name="exampleWeights">c_i per domain.</param>
    /// <returns>θ̂ of shape [S, d].</returns>
    public static Tensor WeightedLeastSquares(IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor> ys, IReadOnlyList<double> exampleWeights)
    {
        using var scope = NewDisposeScope();
        Tensor? a = null, b = null;
        for (int i = 0; i < xs.Count; i++)
        {
            var xt = xs[i].transpose(1, 2);                              // [S, d, n]
            var ai = xt.bmm(xs[i]) * exampleWeights[i];                   // [S, d, d]
            var bi = xt.bmm(ys[i].unsqueeze(2)) * exampleWeights[i];      // [S, d, 1]
            a = a is null ? ai : a + ai;
            b = b is null ? bi : b + bi;
        }
        return linalg.solve(a!, b!).squeeze(2).MoveToOuterDisposeScope();
    }

    public static Tensor Ols(IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor> ys) =>
        WeightedLeastSquares(xs, ys, Enumerable.Repeat(1.0, xs.Count).ToArray());

    public static Tensor OracleGls(IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor> ys, IReadOnlyList<double> noiseStd) =>
        WeightedLeastSquares(xs, ys, noiseStd.Select(s => 1 / (s * s)).ToArray());

    /// <summary>
    /// E‖θ̂_c − θ*‖² given the design (fixed X): tr(A⁻¹ (Σ c_i² σ_i² X_iᵀX_i) A⁻¹), A = Σ c_i X_iᵀX_i — the
    /// estimator's exact mean squared error, against which SGD's final error can be compared. Returns [S].
    /// </summary>
    public static Tensor ExpectedSquaredError(IReadOnlyList<Tensor> xs, IReadOnlyList<double> exampleWeights, IReadOnlyList<double> noiseStd)
    {
        using var scope = NewDisposeScope();
        Tensor? a = null, m = null;
        for (int i = 0; i < xs.Count; i++)
        {
            var g = xs[i].transpose(1, 2).bmm(xs[i]);
            double c = exampleWeights[i];
            a = a is null ? g * c : a + g * c;
            var mi = g * (c * c * noiseStd[i] * noiseStd[i]);
            m = m is null ? mi : m + mi;
        }
        var inv = linalg.inv(a!);
        return inv.bmm(m!).bmm(inv).diagonal(0, 1, 2).sum(1).MoveToOuterDisposeScope();
    }
}
