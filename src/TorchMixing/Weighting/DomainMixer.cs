using System.Text.Json.Nodes;

namespace TorchMixing.Weighting;

/// <summary>
/// The mixing half of every weighted training step, shared by the language-model trainer, the linear and logistic
/// studies, the vision study and the demo. It owns the weights (π, w, p), the policy that moves them, the batch
/// allocator, the rule that turns a batch's counts into <see cref="LossScales"/>, the per-domain statistics
/// accumulated for the policy and the update schedule. A trainer keeps only what is specific to its model: the
/// forward pass, the per-example loss, evaluation and the optimizer. One step reads:
/// <code>
/// counts = mixer.Allocate(B)            // or the data stream's own counts (the LM sampler allocates itself)
/// scales = mixer.Scales(counts)         // s_i per example of domain i
/// loss   = Σ_j scales[domain_j] · ℓ_j   // model-specific: forward, per-example loss, backward, optimizer step
/// mixer.Observe(...) / EndStep(...)     // training losses and gradient spread for the policy
/// if (mixer.UpdateDue(step)) mixer.Update(step, heldOut…)   // held-out losses only when the policy needs them
/// </code>
/// <para>
/// <b>Which counts the scales divide by.</b> Always the counts the batch actually holds, b_i, for stratified and
/// multinomial batches alike: s_i = π_i·w_i / b_i (decoupled) or w_i / B (classic). This is unbiased: given the
/// counts, the b_i examples of domain i are independent draws from that domain, so
/// E[s_i Σ_j ∇ℓ_ij | b] = π_i·w_i·∇L_i whenever b_i ≥ 1 — and decoupled mode requires a minimum of one example per
/// domain with p_i &gt; 0, so b_i ≥ 1 always holds. Averaging over the counts therefore changes nothing, whatever
/// the allocator. Dividing by the realised counts is also what makes the batch's variance exactly
/// Σ π_i² w_i² v_i² / b_i (<see cref="GradientVariance"/>), and what the data pipeline needs when a domain
/// runs out mid-batch and its slots go to the others. (Dividing by the expected counts E[b_i] of a multinomial batch
/// — the rule the studies used before — is unbiased too, but adds the variance of b_i to the gradient's.)
/// </para>
/// </summary>
public sealed class DomainMixer
{
    private readonly WeightPolicy? _policy;
    private readonly BatchAllocator? _allocator;
    private readonly GradientMode _mode;
    private readonly long[] _sizes;
    private readonly int _k;

    // The current optimizer step's observations (LM: one or more micro-batches), folded into _acc by EndStep.
    private readonly double[] _stepLossSum;
    private readonly int[] _stepCount;
    private readonly List<(double[] Scales, double[] Counts)> _stepBatches = [];

    private MixtureWeights _weights;
    private StatAccumulators _acc;
    private long[] _seen;

    private DomainMixer(long[] sizes, MixtureWeights weights, WeightPolicy? policy, GradientMode mode, BatchAllocator? allocator)
    {
        _sizes = sizes;
        _k = sizes.Length;
        _weights = weights;
        _policy = policy;
        _mode = mode;
        _allocator = allocator;
        _acc = StatAccumulators.Empty(_k);
        _seen = new long[_k];
        _stepLossSum = new double[_k];
        _stepCount = new int[_k];
    }

    /// <summary>
    /// A mixer at its starting weights: the policy's initial weights, where <paramref name="lossWeights"/> and
    /// <paramref name="samplingWeights"/> (when given) override the policy's start; without a policy, fixed weights
    /// (π normalised to sum one, w default all ones, p default uniform).
    /// </summary>
    /// <param name="sizes">n_i, the training examples (sequences) per domain.</param>
    /// <param name="importance">π (need not sum to one).</param>
    /// <param name="policy">The policy that sets and moves the weights, or null for fixed weights.</param>
    /// <param name="mode">Decoupled (s_i = π_i·w_i/b_i) or classic (s_i = w_i/B) loss scaling.</param>
    /// <param name="allocator">The batch allocator, or null when the data stream allocates by itself (then only
    /// <see cref="Scales"/> of the stream's counts is used).</param>
    /// <param name="lossWeights">w overriding the policy's start (null: the policy's, or all ones).</param>
    /// <param name="samplingWeights">p overriding the policy's start (null: the policy's, or uniform).</param>
    /// <param name="field">Names the weights in error messages (e.g. "experiments/x.json: weights").</param>
    public static DomainMixer Start(long[] sizes, double[] importance, WeightPolicy? policy, GradientMode mode,
                                    BatchAllocator? allocator = null, double[]? lossWeights = null, double[]? samplingWeights = null,
                                    string field = "weights")
    {
        int k = sizes.Length;
        DomainVector.Validate(importance, k, $"{field}.importance");
        MixtureWeights weights;
        if (policy is null)
        {
            // π is a distribution over domains (the policies normalise it too), so losses are comparable across runs.
            weights = new MixtureWeights(DomainVector.Normalize(importance), lossWeights ?? Enumerable.Repeat(1.0, k).ToArray(),
                                         samplingWeights ?? DomainVector.Uniform(k));
        }
        else
        {
            weights = policy.Initial(sizes, importance);
            if (lossWeights is not null) weights = weights.WithLossWeights(lossWeights);
            if (samplingWeights is not null) weights = weights.WithSamplingWeights(samplingWeights);
        }
        return new DomainMixer(sizes, weights.Validated(field), policy, mode, allocator);
    }

    /// <summary>The current weights (π, w, p).</summary>
    public MixtureWeights Weights => _weights;

    public WeightPolicy? Policy => _policy;

    public GradientMode Mode => _mode;

    /// <summary>Statistics the trainer must measure for the policy (none without one).</summary>
    public PolicyNeeds Needs => _policy?.Needs ?? PolicyNeeds.None;

    /// <summary>The policy needs held-out loss means or variances at its updates (the trainer evaluates then).</summary>
    public bool NeedsHeldOut => (Needs & (PolicyNeeds.HeldOutLoss | PolicyNeeds.LossVariance)) != 0;

    /// <summary>Every weight change the policy made, starting with the initial weights (empty without a policy).</summary>
    public IReadOnlyList<WeightChange> Changes => _policy?.Log.Changes ?? [];

    /// <summary>Sequences (examples) of each domain observed so far.</summary>
    public IReadOnlyList<long> Seen => _seen;

    // ---- the step ----

    /// <summary>Domain counts b_i for the next batch of <paramref name="batchSize"/> from the current sampling weights.</summary>
    public int[] Allocate(int batchSize) =>
        (_allocator ?? throw new InvalidOperationException("this mixer has no allocator: its data stream allocates the batches."))
        .Allocate(_weights.SamplingWeights, batchSize);

    /// <summary>
    /// The per-example loss scale of each domain for a batch holding <paramref name="counts"/> (the realised counts:
    /// see the class remarks for why that is unbiased), divided by <paramref name="parts"/> when a step's gradient
    /// is the mean of that many micro-batches.
    /// </summary>
    public double[] Scales(IReadOnlyList<int> counts, int parts = 1)
    {
        var s = LossScales.Compute(_weights.Importance, _weights.LossWeights, counts.Select(c => (double)c).ToArray(), _mode);
        return parts == 1 ? s : s.Select(v => v / parts).ToArray();
    }

    /// <summary>
    /// One (micro-)batch of the current optimizer step: each example's domain and loss, and the scales it was
    /// weighted by (for the step's gradient variance).
    /// </summary>
    public void Observe(IReadOnlyList<int> domainIds, IReadOnlyList<float> losses, double[] scales)
    {
        var counts = new double[_k];
        for (int j = 0; j < losses.Count; j++)
        {
            int i = domainIds[j];
            _stepLossSum[i] += losses[j];
            _stepCount[i]++;
            counts[i]++;
        }
        for (int i = 0; i < _k; i++) _seen[i] += (long)counts[i];
        _stepBatches.Add((scales, counts));
    }

    /// <summary>
    /// Ends the optimizer step: folds its training losses (and the gradient spread v̂_i², when it was measured) into
    /// the statistics for the policy. Returns the step's mean training loss per domain (NaN for a domain without
    /// examples) and, when the spread was measured, the step gradient's variance Σ s_i² b_i v̂_i² over its batches.
    /// </summary>
    public (double[] TrainLoss, double GradientNoise) EndStep(double[]? spreadSquared)
    {
        var trainLoss = new double[_k];
        for (int i = 0; i < _k; i++) trainLoss[i] = _stepCount[i] > 0 ? _stepLossSum[i] / _stepCount[i] : double.NaN;
        _acc.AddLosses(_stepLossSum, _stepCount, trainLoss);
        double noise = double.NaN;
        if (spreadSquared is not null)
        {
            _acc.AddSpreadSquared(spreadSquared);
            noise = _stepBatches.Sum(b => GradientVariance.OfBatch(b.Scales, b.Counts, spreadSquared));
        }
        Array.Clear(_stepLossSum);
        Array.Clear(_stepCount);
        _stepBatches.Clear();
        return (trainLoss, noise);
    }

    /// <summary>Whether the policy updates after <paramref name="step"/> steps (its schedule: <see cref="WeightPolicy.IsDue"/>).</summary>
    public bool UpdateDue(long step) => _policy is not null && _policy.IsDue(step);

    /// <summary>
    /// The policy's update after <paramref name="step"/> steps from the statistics accumulated since the last one, the
    /// held-out loss when the caller measured it, and a gradient spread v̂_i² measured for this update (NaN: not
    /// measured for that domain), DoReMi's per-domain excess loss against its reference model and a model-free noise
    /// estimate σ̂_i² (One-shot FGLS's least-squares estimator) when the caller measured them; the accumulators start
    /// afresh. Returns whether any weight changed.
    /// </summary>
    public bool Update(long step, double[]? heldOutMean = null, double[]? heldOutVariance = null, double[]? spreadSquared = null,
                       double[]? excessLoss = null, double[]? noiseVariance = null)
    {
        if (!UpdateDue(step)) return false;
        if (spreadSquared is not null) _acc.AddSpreadSquared(spreadSquared);
        var before = _weights;
        var stats = _acc.ToStatistics(_sizes, heldOutMean, heldOutVariance) with { ExcessLoss = excessLoss, NoiseVariance = noiseVariance };
        _weights = _policy!.Update(step, stats, _weights).Validated($"policy '{_policy.Name}'");
        _acc.Clear();
        return !(before.LossWeights.SequenceEqual(_weights.LossWeights) && before.SamplingWeights.SequenceEqual(_weights.SamplingWeights)
                 && before.Importance.SequenceEqual(_weights.Importance));
    }

    // ---- checkpoints ----

    /// <summary>The policy's internals for a checkpoint (null without a policy).</summary>
    public JsonObject? PolicyState() => _policy?.SaveState();

    /// <summary>A copy of the statistics accumulated since the last update, for a checkpoint.</summary>
    public StatAccumulators Accumulators => _acc.Copy();

    /// <summary>Restores what a checkpoint saved, so the resumed run continues exactly.</summary>
    public void Restore(MixtureWeights weights, JsonObject? policyState, StatAccumulators accumulators, long[] seen)
    {
        if (_policy is not null && policyState is not null) _policy.LoadState(policyState);
        _weights = weights;
        _acc = accumulators.Copy();
        _seen = (long[])seen.Clone();
    }
}
