namespace TorchMixing.Weighting;

/// <summary>
/// Shapes for ERMA's G(t), the time-dependent factor on the loss term that no available source defines (the paper
/// §2.2 leaves it open). G(t) = scale·f(t/τ).
/// </summary>
public enum ErmaSchedule
{
    /// <summary>f = 1: the loss term keeps pushing weight toward high-loss domains for the whole run.</summary>
    Constant,

    /// <summary>f = 1/√(1 + t/τ): the loss term fades like an SGD step size, leaving the variance term (the GLS-like part) to decide late weights. Default.</summary>
    InverseSqrt,

    /// <summary>f = 1/(1 + t/τ): fades faster.</summary>
    InverseTime,

    /// <summary>f = 0: variance term only (w_i settles near ∝ 1/(π_i Var_i), the FGLS analogue for general losses).</summary>
    Zero,
}
