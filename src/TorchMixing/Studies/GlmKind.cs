namespace TorchMixing.Studies;

/// <summary>The two synthetic studies share one batched SGD engine; they differ in link and loss.</summary>
public enum GlmKind
{
    /// <summary>y = xᵀθ* + ε, ε ~ N(0, σ_i²); loss ½(xᵀθ − y)² (paper Fig. 1).</summary>
    Linear,

    /// <summary>y ~ Bernoulli(sigmoid(xᵀθ*)), flipped with probability q_i; logistic loss (paper Fig. 2).</summary>
    Logistic,
}
