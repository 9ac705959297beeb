using System.Globalization;
using TorchMixing.Weighting;

namespace TorchMixing.Data;

/// <summary>
/// What a token budget means per domain before any training starts: sequences, tokens and epochs, from the
/// sampling weights (converted to per-sequence weights; see <see cref="WeightUnit"/>). <see cref="EnsureFeasible"/>
/// refuses a plan that would repeat a domain past its epoch cap or give it more than its max fraction, and says how
/// to fix it, instead of silently over-repeating a small domain. The budget counts trained tokens (targets):
/// a sequence of T + 1 stored tokens trains T of them.
/// </summary>
public sealed class MixturePlan
{
    private MixturePlan(long tokenBudget, int sequenceLength, WeightUnit unit, IReadOnlyList<PlannedDomain> domains, IReadOnlyList<double?> maxFractions)
    {
        TokenBudget = tokenBudget; SequenceLength = sequenceLength; Unit = unit; Domains = domains; _maxFractions = maxFractions;
    }

    private readonly IReadOnlyList<double?> _maxFractions;

    public long TokenBudget { get; }
    public int SequenceLength { get; }
    public WeightUnit Unit { get; }
    public IReadOnlyList<PlannedDomain> Domains { get; }
    public long TotalSequences => Domains.Sum(d => d.Sequences);

    public static MixturePlan Create(IReadOnlyList<IDomainSequences> domains, IReadOnlyList<double> weights, long tokenBudget,
        WeightUnit unit = WeightUnit.Sequences, Func<string, DomainSamplingLimits>? limits = null)
    {
        if (tokenBudget < 1) throw new UserInputException($"token budget must be positive, got {tokenBudget}.");
        DomainVector.Validate(weights, domains.Count, "sampling_weights");
        limits ??= _ => DomainSamplingLimits.Default;
        int t = domains[0].SequenceLength;
        var perSequence = unit == WeightUnit.Tokens
            ? weights.Select((w, i) => w / (domains[i].SequenceLength + 1.0)).ToArray()
            : [.. weights];
        var p = DomainVector.Normalize(perSequence);
        long total = (tokenBudget + t - 1) / t;

        // Largest-remainder rounding so the sequences add up to the total exactly.
        var seqs = p.Select(x => (long)Math.Floor(x * total)).ToArray();
        long left = total - seqs.Sum();
        foreach (int i in Enumerable.Range(0, p.Length).OrderByDescending(i => p[i] * total - seqs[i]).ThenBy(i => i).Take((int)left))
            seqs[i]++;

        var rows = domains.Select((d, i) =>
        {
            var l = limits(d.Name);
            return new PlannedDomain(d.Name, p[i], d.Count, seqs[i], seqs[i] * t,
                d.Count == 0 ? (seqs[i] == 0 ? 0 : double.PositiveInfinity) : (double)seqs[i] / d.Count, l.EpochCap);
        }).ToList();
        return new MixturePlan(tokenBudget, t, unit, rows, domains.Select(d => limits(d.Name).MaxFraction).ToList());
    }

    /// <summary>Every violated limit in one message, each with the change that would make the plan feasible.</summary>
    public void EnsureFeasible()
    {
        var problems = new List<string>();
        for (int i = 0; i < Domains.Count; i++)
        {
            var d = Domains[i];
            if (d.Sequences > 0 && d.Available == 0)
            {
                problems.Add($"domain '{d.Name}' has no training sequence of {SequenceLength + 1} tokens but weight {F(d.Share)}; give it weight 0 or more data.");
                continue;
            }
            if (d.Epochs > d.EpochCap + 1e-9)
            {
                long maxBudget = (long)Math.Floor(d.EpochCap * d.Available / d.Share + 1e-6) * SequenceLength; // tolerance: shares are normalised floats
                double maxShare = d.EpochCap * d.Available / (double)TotalSequences;
                problems.Add($"domain '{d.Name}' would be read {F(d.Epochs)} epochs ({d.Sequences} of {d.Available} sequences) but its limit is {F(d.EpochCap)} " +
                    $"(policy/max_epochs); lower its weight to ≤ {F(maxShare)}, lower the budget to ≤ {maxBudget} tokens, or raise max_epochs.");
            }
            if (_maxFractions[i] is { } mf && d.Share > mf + 1e-12)
                problems.Add($"domain '{d.Name}' has share {F(d.Share)} of the mixture but max_fraction {F(mf)}; lower its weight.");
        }
        if (problems.Count > 0)
            throw new UserInputException($"infeasible mixture plan for {TokenBudget} tokens:\n  " + string.Join("\n  ", problems));
    }

    /// <summary>Rows for a table: domain, share, sequences, tokens, epochs, limit.</summary>
    public IEnumerable<IReadOnlyList<string>> Rows() => Domains.Select(d => (IReadOnlyList<string>)
        [d.Name, F(d.Share), d.Sequences.ToString(CultureInfo.InvariantCulture), d.Tokens.ToString("N0", CultureInfo.InvariantCulture),
         F(d.Epochs), double.IsPositiveInfinity(d.EpochCap) ? "-" : F(d.EpochCap)]);

    public static IReadOnlyList<string> Headers { get; } = ["domain", "share", "sequences", "tokens", "epochs", "max epochs"];

    private static string F(double x) => x.ToString("0.###", CultureInfo.InvariantCulture);
}
