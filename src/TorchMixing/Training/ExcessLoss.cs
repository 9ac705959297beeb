using static TorchSharp.torch;

namespace TorchMixing.Training;

/// <summary>
/// DoReMi's per-domain excess loss (Xie et al. 2023, Algorithm 1, step "compute per-domain excess losses"):
///   λ_i = (1 / Σ_{x∈B∩D_i} |x|) · Σ_{x∈B∩D_i} Σ_t max(ℓ_θ,t(x) − ℓ_ref,t(x), 0),
/// i.e. each token's excess over the reference model is clipped at zero <em>before</em> averaging, and the average
/// is over the domain's tokens in the batch. Clipping per token (not per domain) matters: a domain where the proxy
/// is ahead on most tokens but far behind on a few still gets weight.
/// </summary>
public static class ExcessLoss
{
    /// <summary>
    /// Adds this micro-batch's clipped per-token excess to <paramref name="sum"/> and its token counts to
    /// <paramref name="tokens"/>, per domain. Inputs are per-token losses of shape (B, T) for the same batch; every
    /// one of the T positions is a real token (sequences are packed, never padded).
    /// </summary>
    public static void Accumulate(Tensor tokenLoss, Tensor referenceTokenLoss, int[] domainIds, double[] sum, long[] tokens)
    {
        if (!tokenLoss.shape.SequenceEqual(referenceTokenLoss.shape) || tokenLoss.dim() != 2)
            throw new ArgumentException($"per-token losses must both be (B, T), got [{string.Join(", ", tokenLoss.shape)}] and [{string.Join(", ", referenceTokenLoss.shape)}].");
        if (tokenLoss.shape[0] != domainIds.Length)
            throw new ArgumentException($"{domainIds.Length} domain ids for {tokenLoss.shape[0]} rows.");
        long t = tokenLoss.shape[1];
        using var scope = NewDisposeScope();
        var rowSums = (tokenLoss.detach() - referenceTokenLoss.detach()).clamp_min(0).to(ScalarType.Float64).sum([1]);
        var values = rowSums.cpu().data<double>().ToArray();
        for (int j = 0; j < domainIds.Length; j++)
        {
            sum[domainIds[j]] += values[j];
            tokens[domainIds[j]] += t;
        }
    }

    /// <summary>λ_i = sum_i / tokens_i; NaN for a domain with no tokens (no evidence this step).</summary>
    public static double[] Mean(double[] sum, long[] tokens) =>
        sum.Select((s, i) => tokens[i] > 0 ? s / tokens[i] : double.NaN).ToArray();

    /// <summary>λ for one batch: per-token losses of the proxy and of the reference (B, T), and each row's domain.</summary>
    public static double[] PerDomain(Tensor tokenLoss, Tensor referenceTokenLoss, int[] domainIds, int domainCount)
    {
        var sum = new double[domainCount];
        var tokens = new long[domainCount];
        Accumulate(tokenLoss, referenceTokenLoss, domainIds, sum, tokens);
        return Mean(sum, tokens);
    }
}
