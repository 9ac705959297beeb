namespace TorchMixing.Weighting;

/// <summary>
/// The classical unbiased noise estimate of a linear model y = Xθ + e, Var e = σ²: σ̂² = ‖y − Xθ̂‖² / (m − d) with θ̂
/// the least-squares fit on the same m × d data. Dividing by m − d (not m) corrects for the d directions the fit
/// absorbs, which is what makes E[σ̂²] = σ² exactly. One-shot FGLS's bias-free estimator applies it to each domain's
/// held-out split (<see cref="FglsEstimator.LeastSquares"/>).
/// </summary>
public static class LeastSquaresNoise
{
    /// <param name="x">m rows of d inputs, row-major (x[r·d + c]).</param>
    /// <param name="y">m targets.</param>
    /// <param name="d">Inputs per row.</param>
    public static double Estimate(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int d)
    {
        int m = y.Length;
        if (x.Length != m * d) throw new ArgumentException($"x holds {x.Length} values, expected {m} × {d}.");
        if (m <= d)
            throw new UserInputException($"the least-squares noise estimate needs more held-out examples than inputs ({m} ≤ {d}); hold out more data.");
        // Normal equations XᵀX θ = Xᵀy by Cholesky: d is small (tens), m up to thousands.
        var a = new double[d * d];
        var b = new double[d];
        for (int r = 0; r < m; r++)
        {
            var row = x.Slice(r * d, d);
            for (int i = 0; i < d; i++)
            {
                b[i] += row[i] * y[r];
                for (int j = 0; j <= i; j++) a[i * d + j] += row[i] * row[j];
            }
        }
        // Only the lower triangle was accumulated; mirror it for the solver.
        for (int i = 0; i < d; i++)
            for (int j = i + 1; j < d; j++) a[i * d + j] = a[j * d + i];
        var theta = SymmetricSolver.Solve(a, b, d)
            ?? throw new UserInputException("the held-out inputs of a domain are collinear; the least-squares noise estimate is undefined.");
        double rss = 0;
        for (int r = 0; r < m; r++)
        {
            double pred = 0;
            var row = x.Slice(r * d, d);
            for (int i = 0; i < d; i++) pred += row[i] * theta[i];
            rss += (y[r] - pred) * (y[r] - pred);
        }
        return rss / (m - d);
    }
}
