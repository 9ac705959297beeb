using System.Text.Json.Nodes;

namespace TorchMixing.Weighting;

/// <summary>
/// Adaptive Data Optimization (Jiang et al. 2024, "Adaptive Data Optimization: Dynamic Sample Selection with Scaling
/// Laws"), a sampling policy beyond the paper this library follows, as the authors' released selector runs it
/// (yidingjiang/ado, src/data_selectors/ado.py at commit bc3d8d0, "Fixing update rule to the correct version").
/// Every step it records each domain's training loss and the examples drawn; every <see cref="AdoConfig.FitEvery"/>
/// steps it refits L_i(n) = ε_i + β_i·n^(−α_i) (<see cref="PowerLawFit"/>) against the examples seen so far; and
/// every step from <see cref="AdoConfig.StartStep"/> on it samples in proportion to how fast each domain still learns:
///   ρ_i ∝ μ_i · max(α_i, 0.05)·(L̂_i(n) − ε_i)/n · √h_i,
/// where μ is the prior (the natural shares), the middle factor is −dL̂_i/dn with the exponent floored where it is
/// used, and h_i is the realised share of domain i decayed every step (h ← 0.9·h + 0.1·share in the batch). ρ is
/// floored at <see cref="AdoConfig.MinProbability"/>, and the sampling weights move smoothly: p = 0.9·p̄ + 0.1·ρ,
/// then p̄ ← (1 − 1/s)·p̄ + ρ/s after s steps (the authors' 1/(itr + 1) with their 0-based itr), so p̄ is the
/// average of ρ over all steps with the prior standing in for the steps before the start.
/// <para>The √h_i factor is the authors' corrected credit term; their first release had √(h_i(1 − h_i)), which for
/// h &gt; 0.5 penalises the domain sampled most instead of crediting it.</para>
/// <para>Departures from the authors' selector: the curve is fitted by least squares in loss space over a grid of
/// exponents (exact per exponent) instead of a Huber loss in log space with L-BFGS from a grid of starts, and the
/// loss points are the means over each refit window instead of a Savitzky–Golay-filtered per-step series (their
/// window of 101 steps is a quarter of one of our runs). ADO sets sampling weights only: in classic mode (its paper's
/// setting) that moves the objective, in decoupled mode only the gradient variance. Needs per-domain training loss
/// and the examples drawn per domain (<see cref="DomainStatistics.Counts"/>); measuring both is free.</para>
/// </summary>
public sealed class AdoPolicy : WeightPolicy
{
    private double[] _prior = [], _history = [], _average = [], _seen = [];
    private double[] _windowSum = [], _windowCount = [];
    private List<double>[] _n = [], _loss = [];
    private List<long> _steps = [];
    private double[] _lastLoss = [];
    private PowerLawFit?[] _fits = [];

    public AdoPolicy(AdoConfig config, string source = "policy") => Config = config.Validated(source);

    public AdoConfig Config { get; }
    public override string Name => "ado";

    /// <summary>Every step: the history h and the average p̄ move every step, as in the authors' selector.</summary>
    public override int UpdateEvery => 1;

    /// <summary>The latest fit per domain (null before the first fit or when a domain has too few points).</summary>
    public IReadOnlyList<PowerLawFit?> Fits => _fits;

    protected override MixtureWeights InitialCore()
    {
        int k = Sizes.Length;
        _prior = PolicyMath.NormalizeShares(Sizes.Select(n => (double)n).ToArray());
        _history = (double[])_prior.Clone();
        _average = (double[])_prior.Clone();
        _seen = new double[k];
        _windowSum = new double[k];
        _windowCount = new double[k];
        _lastLoss = Enumerable.Repeat(double.NaN, k).ToArray();
        _n = Enumerable.Range(0, k).Select(_ => new List<double>()).ToArray();
        _loss = Enumerable.Range(0, k).Select(_ => new List<double>()).ToArray();
        _steps = [];
        _fits = new PowerLawFit?[k];
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
            if (double.IsFinite(loss[i])) { _windowSum[i] += loss[i]; _windowCount[i]++; }
        }
        double total = _seen.Sum();
        if (step % Config.FitEvery == 0) Refit(step, total);
        if (step < Config.StartStep || _fits.Any(f => f is null)) return (current, "");

        var rho = new double[k];
        for (int i = 0; i < k; i++)
        {
            var f = _fits[i]!.Value;
            double n = Config.PerDomainCounts ? Math.Max(_seen[i], 1) : total;
            // The authors floor the exponent only in the slope; the curve's value at n keeps the fitted exponent.
            double slope = Math.Max(f.Exponent, Config.ExponentFloor) * (f.Predict(n) - f.Irreducible) / n;
            rho[i] = _prior[i] * slope * Math.Sqrt(_history[i]);
        }
        rho = PolicyMath.NormalizeShares(rho);
        if (Config.MinProbability > 0) rho = PolicyMath.NormalizeShares(rho.Select(x => Math.Max(x, Config.MinProbability)).ToArray());
        var p = _average.Select((a, i) => (1 - Config.Mix) * a + Config.Mix * rho[i]).ToArray();
        _average = _average.Select((a, i) => (1 - 1.0 / step) * a + rho[i] / step).ToArray();
        string reason = $"ρ = {PolicyMath.Format(rho)}, h = {PolicyMath.Format(_history)}";
        return (current.WithSamplingWeights(p), reason);
    }

    /// <summary>Closes the loss window into one point per domain and, from the start step on, refits every curve.</summary>
    private void Refit(long step, double total)
    {
        int k = Sizes.Length;
        for (int i = 0; i < k; i++)
        {
            // A domain absent from the whole window keeps its last loss (the authors' selector imputes it likewise).
            if (_windowCount[i] > 0) _lastLoss[i] = _windowSum[i] / _windowCount[i];
            _windowSum[i] = 0;
            _windowCount[i] = 0;
            _n[i].Add(Config.PerDomainCounts ? _seen[i] : total);
            _loss[i].Add(_lastLoss[i]);
        }
        _steps.Add(step);
        if (step < Config.StartStep) return;
        var keep = Enumerable.Range(0, _steps.Count).Where(j => _steps[j] > Config.IgnoreSteps).ToList();
        var fits = new PowerLawFit?[k];
        for (int i = 0; i < k; i++)
            fits[i] = PowerLawFit.Fit(keep.Select(j => _n[i][j]).ToList(), keep.Select(j => _loss[i][j]).ToList());
        // As upstream, a refit that fails for any domain keeps the previous fits.
        if (fits.All(f => f is not null)) _fits = fits;
    }

    public override JsonObject SaveState()
    {
        var o = base.SaveState();
        o["prior"] = ToJson(_prior);
        o["history"] = ToJson(_history);
        o["average"] = ToJson(_average);
        o["seen"] = ToJson(_seen);
        o["window_sum"] = ToJson(_windowSum);
        o["window_count"] = ToJson(_windowCount);
        o["last_loss"] = ToJson(_lastLoss.Select(v => double.IsFinite(v) ? v : -1).ToArray());
        o["n"] = new JsonArray(_n.Select(l => (JsonNode)ToJson(l.ToArray())).ToArray());
        o["loss"] = new JsonArray(_loss.Select(l => (JsonNode)ToJson(l.Select(v => double.IsFinite(v) ? v : -1).ToArray())).ToArray());
        o["steps"] = new JsonArray(_steps.Select(s => (JsonNode)JsonValue.Create(s)).ToArray());
        o["fits"] = new JsonArray(_fits.Select(f => f is { } v
            ? (JsonNode)ToJson([v.Irreducible, v.Scale, v.Exponent, v.SquaredError]) : null).ToArray());
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
        _windowSum = FromJson(state["window_sum"]);
        _windowCount = FromJson(state["window_count"]);
        _lastLoss = FromJson(state["last_loss"]).Select(Back).ToArray();
        _n = state["n"]!.AsArray().Select(a => FromJson(a).ToList()).ToArray();
        _loss = state["loss"]!.AsArray().Select(a => FromJson(a).Select(Back).ToList()).ToArray();
        _steps = state["steps"]!.AsArray().Select(s => s!.GetValue<long>()).ToList();
        _fits = state["fits"]!.AsArray().Select(n => n is null ? (PowerLawFit?)null : FromJson(n) is var v
            ? new PowerLawFit(v[0], v[1], v[2], v[3]) : null).ToArray();
    }
}
