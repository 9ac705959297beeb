namespace TorchMixing.Weighting;

/// <summary>Validation and normalisation of per-domain weight vectors, in one place so every caller reports the same way.</summary>
public static class DomainVector
{
    /// <summary>
    /// Checks a per-domain weight vector: right length, every entry finite and ≥ 0, and not all zero.
    /// <paramref name="field"/> names the vector in messages (e.g. "sampling_weights" or "experiments/x.json: loss_weights").
    /// </summary>
    public static void Validate(IReadOnlyList<double> values, int domainCount, string field, bool allowAllZero = false)
    {
        if (values.Count != domainCount)
            throw new UserInputException($"{field}: expected {domainCount} values (one per domain), got {values.Count}.");
        for (int i = 0; i < values.Count; i++)
        {
            double v = values[i];
            if (double.IsNaN(v) || double.IsInfinity(v))
                throw new UserInputException($"{field}[{i}]: weight must be a finite number, got {v}.");
            if (v < 0)
                throw new UserInputException($"{field}[{i}]: weight must be non-negative, got {v}.");
        }
        if (!allowAllZero && values.All(v => v == 0))
            throw new UserInputException($"{field}: all weights are zero; at least one domain must have a positive weight.");
    }

    /// <summary>Returns the vector scaled to sum to one (after validation).</summary>
    public static double[] Normalize(IReadOnlyList<double> values, string field = "weights")
    {
        Validate(values, values.Count, field);
        double s = values.Sum();
        return values.Select(v => v / s).ToArray();
    }

    public static double[] Uniform(int k) => Enumerable.Repeat(1.0 / k, k).ToArray();
}
