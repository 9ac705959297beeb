namespace TorchMixing.Studies;

/// <summary>
/// One data setting of a synthetic study: K domains sharing θ*, each with its own size, covariate scale C_i
/// (x ~ N(0, C_i·I)), regression noise σ_i (linear) and label-flip rate q_i (logistic).
/// </summary>
public sealed record StudySetting
{
    public string Name { get; init; } = "default";

    /// <summary>n_i, training examples per domain (before the held-out split).</summary>
    public long[] Sizes { get; init; } = [2000, 2000];

    /// <summary>C_i: covariance scale of domain i's inputs (the paper's (C₁, C₂)).</summary>
    public double[] CovScale { get; init; } = [1, 1];

    /// <summary>σ_i: noise standard deviation (linear study).</summary>
    public double[]? Noise { get; init; }

    /// <summary>q_i: probability that a label is flipped (logistic study).</summary>
    public double[]? FlipRate { get; init; }

    /// <summary>π_i; null means proportional to size (then GLS is w ∝ 1/σ², the paper §3.1).</summary>
    public double[]? Importance { get; init; }

    public int DomainCount => Sizes.Length;

    public StudySetting Validated(string source, GlmKind kind)
    {
        // The name becomes part of plot file names: keep it short and free of path separators.
        if (string.IsNullOrEmpty(Name) || Name.Length > 100 || Name.IndexOfAny(['/', '\\', '\0']) >= 0)
            throw new UserInputException($"{source}: settings[*].name must be 1–100 characters without path separators, got " +
                                         (Name is null ? "null" : $"{Name.Length} characters") + ".");
        string pre = $"{source}: settings['{Name}']";
        if (Sizes is null) throw new UserInputException($"{pre}.sizes: expected one size per domain, got null.");
        if (CovScale is null) throw new UserInputException($"{pre}.cov_scale: expected one value per domain, got null.");
        int k = Sizes.Length;
        if (k < 1) throw new UserInputException($"{pre}.sizes: needs at least one domain.");
        for (int i = 0; i < k; i++)
            if (Sizes[i] < 10)
                throw new UserInputException($"{pre}.sizes[{i}]: domain {i} needs at least 10 examples, got {Sizes[i]}" +
                                             (Sizes[i] <= 0 ? " (empty domain)." : "."));
        CheckLength(CovScale, "cov_scale", k, pre);
        for (int i = 0; i < k; i++)
            if (!(CovScale[i] > 0) || double.IsInfinity(CovScale[i]))
                throw new UserInputException($"{pre}.cov_scale[{i}]: must be a finite number > 0, got {CovScale[i]}.");
        if (kind == GlmKind.Linear)
        {
            if (Noise is null) throw new UserInputException($"{pre}.noise: required for the linear study (σ per domain).");
            CheckLength(Noise, "noise", k, pre);
            for (int i = 0; i < k; i++)
                if (!(Noise[i] > 0) || double.IsInfinity(Noise[i]))
                    throw new UserInputException($"{pre}.noise[{i}]: σ must be a finite number > 0, got {Noise[i]}.");
        }
        else
        {
            if (FlipRate is null) throw new UserInputException($"{pre}.flip_rate: required for the logistic study (q per domain).");
            CheckLength(FlipRate, "flip_rate", k, pre);
            for (int i = 0; i < k; i++)
                if (!(FlipRate[i] >= 0 && FlipRate[i] < 0.5))
                    throw new UserInputException($"{pre}.flip_rate[{i}]: must be in [0, 0.5), got {FlipRate[i]}.");
        }
        if (Importance is not null) Weighting.DomainVector.Validate(Importance, k, $"{pre}.importance");
        return this;
    }

    /// <summary>π normalised to sum one (proportional to size when not given).</summary>
    public double[] ImportanceOrProportional() =>
        Weighting.DomainVector.Normalize(Importance ?? Sizes.Select(n => (double)n).ToArray(), "importance");

    private static void CheckLength(double[] v, string field, int k, string pre)
    {
        if (v.Length != k)
            throw new UserInputException($"{pre}.{field}: expected {k} values (one per domain, as in sizes), got {v.Length}.");
    }
}
