namespace TorchMixing.Weighting;

/// <summary>Solves A x = b for a symmetric positive-definite d × d matrix (row-major) by Cholesky; d is small here (tens).</summary>
internal static class SymmetricSolver
{
    /// <returns>x, or null when A is not positive definite (collinear inputs).</returns>
    public static double[]? Solve(double[] a, double[] b, int d)
    {
        var l = new double[d * d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = a[i * d + j];
                for (int k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
                if (i == j)
                {
                    if (!(s > 1e-12 * Math.Max(1, a[i * d + i]))) return null;
                    l[i * d + i] = Math.Sqrt(s);
                }
                else l[i * d + j] = s / l[j * d + j];
            }
        var x = new double[d];
        for (int i = 0; i < d; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i * d + k] * x[k];
            x[i] = s / l[i * d + i];
        }
        for (int i = d - 1; i >= 0; i--)
        {
            double s = x[i];
            for (int k = i + 1; k < d; k++) s -= l[k * d + i] * x[k];
            x[i] = s / l[i * d + i];
        }
        return x;
    }
}
