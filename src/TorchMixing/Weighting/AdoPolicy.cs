using System.Text.Json.Nodes;

namespace TorchMixing.Weighting;

/// <summary>
/// Adaptive Data Optimization (Jiang et al. 2024, "Adaptive Data Optimization: Dynamic Sample Selection with Scaling
/// Laws"), a sampling policy beyond the paper this library follows. At every update it records each domain's
/// training loss against the examples seen so far, fits L_i(n) = ε_i + β_i·n^(−α_i) (<see cref="PowerLawFit"/>), and
/// samples in proportion to how fast each domain is still learning:
///   ρ_i ∝ μ_i · α_i(L̂_i(n) − ε_i)/n · √(h_i(1 − h_i)),
/// where μ is the prior (the natural shares), the middle factor is −dL̂_i/dn, and h_i is the decayed realised share
/// of domain i (the "credit assignment" term that discounts a domain that only looks fast because it is sampled
/// a lot). ρ is floored at <see cref="AdoConfig.MinProbability"/>, and the sampling weights move smoothly:
/// p = (1 − mix)·p̄ + mix·ρ with p̄ the running average of ρ.
/// <para>Departures from the authors' selector: the curve is fitted by least squares in loss space over a grid of
/// exponents (exact per exponent) instead of a Huber loss in log space with L-BFGS from a grid of starts, and the
/// loss points are the window means between updates instead of a Savitzky–Golay-filtered per-step series. ADO sets
/// sampling weights only: in classic mode (its paper's setting) that moves the objective, in decoupled mode only
/// the gradient variance. Needs per-domain training loss and the examples drawn per domain
/// (<see cref="DomainStatistics.Counts"/>); measuring both is free.</para>
/// </summary>
public sealed class AdoPolicy : WeightPolicy
{
    private double[] _prior = [], _history = [], _average = [], _seen = [];
    private List<double>[] _n = [], _loss = [];
    private List<long> _steps = [];
    private double[] _lastLoss = [];
    private long _updates;

    public AdoPolicy(AdoConfig config, string source = "policy") => Config = config.Validated(source);

    public AdoConfig Config { get; }
    public override string Name => "ado";
    public override int UpdateEvery => Config.UpdateEvery;

    /// <summary>The latest fit per domain (null before the first fit or when a domain has too few points).</summary>
    public IReadOnlyList<PowerLawFit?> Fits { get; private set; } = [];

    protected override MixtureWeights InitialCore()
    {
        int k = Sizes.Length;
        _prior = PolicyMath.NormalizeShares(Sizes.Select(n => (double)n).ToArray());
        _history = (double[])_prior.Clone();
        _average = (double[])_prior.Clone();
        _seen = new double[k];
        _lastLoss = Enumerable.Repeat(double.NaN, k).ToArray();
        _n = Enumerable.Range(0, k).Select(_ => new List<double>()).ToArray();
        _loss = Enumerable.Range(0, k).Select(_ => new List<double>()).ToArray();
        _steps = [];
        _updates = 0;
        Fits = new PowerLawFit?[k];
        return new(Importance, Enumerable.Repeat(1.0, k).ToArray(), (double[])_prior.Clone());
    }

    protected override (MixtureWeights Next, string Reason) UpdateCore(long step, DomainStatistics stats, MixtureWeights current)
    {
        var loss = Require(stats.LossMean, "training loss per domain (LossMean)");
        var counts = Require(stats.Counts, "examples drawn per domain since the last update (Counts)");
        int k = Sizes.Length;
        double drawn = counts.Sum();
        if (!(drawn > 0)) return (current, "");
        for (int i = 0; i < k; i++)
        {
            _seen[i] += counts[i];
            _history[i] = Config.HistoryDecay * _history[i] + (1 - Config.HistoryDecay) * counts[i] / drawn;
            // A domain absent from the window keeps its last loss (as the authors' selector imputes it).
            if (double.IsFinite(loss[i])) _lastLoss[i] = loss[i];
        }
        double total = _seen.Sum();
        for (int i = 0; i < k; i++)
        {
            _n[i].Add(Config.PerDomainCounts ? _seen[i] : total);
            _loss[i].Add(_lastLoss[i]);
        }
        _steps.Add(step);
        if (step < Config.StartStep) return (current, "");

        var fits = new PowerLawFit?[k];
        var rho = new double[k];
        for (int i = 0; i < k; i++)
        {
            var keep = Enumerable.Range(0, _steps.Count).Where(j => _steps[j] > Config.IgnoreSteps).ToList();
            fits[i] = PowerLawFit.Fit(keep.Select(j => _n[i][j]).ToList(), keep.Select(j => _loss[i][j]).ToList());
            if (fits[i] is not { } f) return (current, "");
            double n = Config.PerDomainCounts ? Math.Max(_seen[i], 1) : total;
            rho[i] = _prior[i] * f.Slope(n) * Math.Sqrt(_history[i] * (1 - _history[i]));
        }
        Fits = fits;
        rho = PolicyMath.NormalizeShares(rho);
        if (Config.MinProbability > 0) rho = PolicyMath.NormalizeShares(rho.Select(x => Math.Max(x, Config.MinProbability)).ToArray());
        _updates++;
        var p = _average.Select((a, i) => (1 - Config.Mix) * a + Config.Mix * rho[i]).ToArray();
        _average = _average.Select((a, i) => a + (rho[i] - a) / (_updates + 1)).ToArray();
        string reason = "fits ε,β,α = " + string.Join("; ", fits.Select(f => $"{f!.Value.Irreducible:G3},{f.Value.Scale:G3},{f.Value.Exponent:G3}")) +
                        $", ρ = {PolicyMath.Format(rho)}";
        return (current.WithSamplingWeights(p), reason);
    }

    public override JsonObject SaveState()
    {
        var o = base.SaveState();
        o["prior"] = ToJson(_prior);
        o["history"] = ToJson(_history);
        o["average"] = ToJson(_average);
        o["seen"] = ToJson(_seen);
        o["last_loss"] = ToJson(_lastLoss.Select(v => double.IsFinite(v) ? v : -1).ToArray());
        o["n"] = new JsonArray(_n.Select(l => (JsonNode)ToJson(l.ToArray())).ToArray());
        o["loss"] = new JsonArray(_loss.Select(l => (JsonNode)ToJson(l.Select(v => double.IsFinite(v) ? v : -1).ToArray())).ToArray());
        o["steps"] = new JsonArray(_steps.Select(s => (JsonNode)JsonValue.Create(s)).ToArray());
        o["updates"] = _updates;
        return o;
    }

    public override void LoadState(JsonObject state)
    {
        base.LoadState(state);
        static double Back(double v) => v < 0 ? double.NaN : v;   // losses are ≥ 0; −1 stands for "not seen yet"
        _prior = FromJson(state["prior"]);
        _history = FromJson(state["history"]);
        _average = FromJson(state["average"]);
        _seen = FromJson(state["seen"]);
        _lastLoss = FromJson(state["last_loss"]).Select(Back).ToArray();
        _n = state["n"]!.AsArray().Select(a => FromJson(a).ToList()).ToArray();
        _loss = state["loss"]!.AsArray().Select(a => FromJson(a).Select(Back).ToList()).ToArray();
        _steps = state["steps"]!.AsArray().Select(s => s!.GetValue<long>()).ToList();
        _updates = state["updates"]!.GetValue<long>();
        Fits = new PowerLawFit?[_prior.Length];
    }
}
