using System.Globalization;
using System.Text;
using TorchMixing.Config;
using TorchMixing.Data;
using TorchMixing.IO;
using TorchMixing.Reporting;
using TorchMixing.Weighting;

namespace TorchMixing.Sweeps;

/// <summary>
/// The end of a sweep: <c>report.md</c> (per configuration the final per-domain loss and π-loss, mean ± Student-t 95%
/// interval over seeds; the set of configurations that may be the best and each one's simultaneous interval to the
/// best of the others, from <see cref="BestConfigurationSet"/>, one family with the baseline table's π-loss column),
/// PNG plots under <c>plots/</c>, and <c>mixture.json</c> with the weights of the member of that set
/// with the lowest mean π-loss. Reads the runs through <see cref="RunComparison"/> and <see cref="MixtureFile"/>, and
/// the metric from <see cref="SweepMetric"/>. A RegMix sweep reports its regression too (<see cref="RegMixAnalysis"/>):
/// there <c>mixture.json</c> is the mixture the regression predicts best, the answer RegMix is for, and the
/// best-observed proxy's weights go to <c>best-observed.json</c>.
/// </summary>
public static class SweepReport
{
    public const string ReportFile = "report.md";
    public const string MixtureFileName = "mixture.json";

    /// <summary>RegMix sweeps: the best-observed configuration's weights (mixture.json holds the regression's prediction).</summary>
    public const string BestObservedFileName = "best-observed.json";

    /// <summary>Writes the report of the finished runs; returns the best configuration's name.</summary>
    public static string Write(SweepManifest manifest) => Write(manifest, out _);

    /// <summary>
    /// Writes the report of the finished runs; returns the best observed configuration's name, and in
    /// <paramref name="regMix"/> the RegMix fit (null unless the sweep is a RegMix sweep with enough finished proxies).
    /// </summary>
    public static string Write(SweepManifest manifest, out RegMixAnalysis? regMix)
    {
        regMix = null;
        var cfg = manifest.Plan.Config;
        // A racing sweep reports the runs its race called for, at the race's family level (looks × comparisons).
        var race = cfg.Racing is null ? null : SweepRace.Decide(manifest);
        // A status file that says done is not enough: a run whose metrics.jsonl lost its last lines would be read at an
        // earlier evaluation as if final. Only runs whose last line is the final evaluation count as finished.
        var done = race is null ? manifest.Finished() : SweepRace.Finished(manifest, race);
        var (finished, notFinished) = ScreenFinished(manifest, done);
        if (finished.Count == 0) throw new UserInputException($"{manifest.Directory}: no finished run to report on yet" +
                                                              (notFinished.Count > 0 ? $" ({string.Join("; ", notFinished)})." : "."));
        var metric = SweepMetric.Current;
        var dirs = finished.Select(manifest.RunPath).ToList();
        var ranking = manifest.Plan.Config.Ranking;
        var floors = UnigramFloors.ForRun(dirs[0]);
        SimultaneousFamily Family(int _) => SweepRace.Family(cfg, manifest.Plan.Configurations.Count);
        var cmp = Comparison(manifest, dirs, floors);
        var design = manifest.Plan.RegMix;
        // A RegMix sweep picks (its prediction and its best-observed proxy) on validation only, by the π-loss its
        // regression fits; the tables rank by test.
        var selection = design is null ? cmp : RunComparison.Build(dirs, RegMixAnalysis.Metric, family: Family);
        string best = selection.BestSet.Best;
        var bestRow = selection.Rows.Single(r => r.Name == best);

        string plots = Path.Combine(manifest.Directory, "plots");
        Directory.CreateDirectory(plots);
        var written = cmp.WritePlots(plots);

        var bestDirs = finished.Where(t => t.Configuration == best).Select(manifest.RunPath).ToList();
        var mixture = MixtureFile.FromRuns(bestDirs, "sweep");
        string selectedBy = string.Create(CultureInfo.InvariantCulture,
            $"{selection.Metric.Label} {selection.Ranking.Label} {bestRow.Score.Mean:F4} ± {bestRow.Score.HalfWidth:F4} (Student-t 95 %, {bestRow.Score.N} seed{(bestRow.Score.N == 1 ? "" : "s")}), " +
            $"lowest of {cmp.Rows.Count} configurations in sweep {manifest.Plan.Config.Name}");
        mixture = mixture with { Origin = (mixture.Origin ?? new MixtureOrigin()) with { SelectedBy = selectedBy } };
        string observedFile = design is null ? MixtureFileName : BestObservedFileName;
        mixture.Save(Path.Combine(manifest.Directory, observedFile));

        string? regMixText = null;
        if (design is not null)
        {
            // RegMix fits and selects on the validation split (RegMixAnalysis.Metric); the test split ranks the rows above.
            var analysis = regMix = RegMixAnalysis.Run(design, dirs);
            if (analysis is not null)
            {
                var predicted = RegMixMixture(analysis, finished.Select(manifest.RunPath).ToList(), manifest.Plan.Config.Name);
                predicted.Save(Path.Combine(manifest.Directory, MixtureFileName));
            }
            regMixText = RegMixMarkdown(design, analysis, mixture);
        }

        AtomicFile.WriteAllText(Path.Combine(manifest.Directory, ReportFile), Markdown(manifest, cmp, finished.Count, written, mixture, observedFile, regMixText, race, best, notFinished, floors));
        return best;
    }

    /// <summary>
    /// Splits <paramref name="done"/> into runs whose metrics.jsonl ends with the final evaluation and descriptions of
    /// the others ("folder: how far it got"): a status file that says done is not enough.
    /// </summary>
    internal static (List<SweepTask> Finished, List<string> NotFinished) ScreenFinished(SweepManifest manifest, IReadOnlyList<SweepTask> done)
    {
        var progress = done.ToDictionary(t => t, t => RunMetrics.Load(manifest.RunPath(t)).Progress);
        return (done.Where(t => progress[t].Finished).ToList(),
                done.Where(t => !progress[t].Finished).Select(t => $"{t.RunDirectory}: {progress[t].Description}").ToList());
    }

    /// <summary>
    /// The sweep's runs compared as its report ranks them: the test split, the sweep's rank_by, and the simultaneous
    /// family of its statements (racing looks and a baseline table counted), so every reader of a sweep shares them.
    /// </summary>
    internal static RunComparison Comparison(SweepManifest manifest, IReadOnlyList<string> runDirectories, IReadOnlyList<UnigramBaseline>? floors)
    {
        var cfg = manifest.Plan.Config;
        return RunComparison.Build(runDirectories, SweepMetric.Current, ranking: cfg.Ranking, floors: floors,
                                   family: _ => SweepRace.Family(cfg, manifest.Plan.Configurations.Count));
    }

    /// <summary>
    /// mixture.json of a RegMix sweep: the predicted best as a one-knob sampling mixture (classic mode, w = 1, the
    /// proxies' π), with the runs it was fitted on and the fit's cross-validated rank correlation as its origin.
    /// </summary>
    private static MixtureFile RegMixMixture(RegMixAnalysis a, IReadOnlyList<string> runDirectories, string sweep)
    {
        var runs = MixtureFile.FromRuns(runDirectories, "regmix");
        string selectedBy = string.Create(CultureInfo.InvariantCulture,
            $"RegMix: {RegressorLabel(a)} of {RegMixAnalysis.Metric.Label} π-loss on the mixture, " +
            $"fitted on {a.Names.Count} proxies of sweep {sweep}; {a.Folds}-fold cross-validated Spearman rank correlation {a.RankCorrelation:F3}; " +
            $"mean of the top {a.Design.Config.TopK} of {a.Design.Config.Candidates} Dirichlet candidates (predicted π-loss {a.PredictedBestLoss:F4})");
        var file = runs.AsSamplingMixture(a.PredictedBest, "regmix", selectedBy);
        return file with { Origin = file.Origin! with { Kind = "regmix", Config = sweep } };
    }

    private static string RegressorLabel(RegMixAnalysis a) => a.Regressor == RegMixRegressor.LightGbm
        ? "LightGBM regression"
        : string.Create(CultureInfo.InvariantCulture, $"{a.Ridge.Features.ToString().ToLowerInvariant()} ridge regression (ridge {a.Ridge.Ridge:G3})");

    private static string RegMixMarkdown(RegMixDesign design, RegMixAnalysis? a, MixtureFile observed)
    {
        var inv = CultureInfo.InvariantCulture;
        var c = design.Config;
        var sb = new StringBuilder();
        sb.AppendLine("## RegMix");
        sb.AppendLine();
        sb.AppendLine(string.Create(inv, $"{design.Proxies.Count} proxy mixtures drawn as the RegMix authors draw them: Dirichlet around the natural " +
                      $"shares (training sequences per domain) flattened by temperature {c.Temperature:G3}, strength log-spaced in [{c.MinStrength:G3}, {c.MaxStrength:G3}], " +
                      $"at most {c.MaxUsage:G3}× a domain's share, weights below {c.Minimum:G3} dropped (seed {c.Seed}); each proxy trains in classic mode " +
                      $"with loss weights 1, i.e. on its mixture as the objective. The regressions fit each proxy's final **{RegMixAnalysis.Metric.Label}** " +
                      $"π-loss: the test split is never used to pick the mixture."));
        sb.AppendLine();
        if (a is null)
        {
            sb.AppendLine($"Fewer than {RegMixAnalysis.MinimumProxies} proxies have finished: no regression yet, and no `{MixtureFileName}` " +
                          $"(the best observed proxy's weights are in `{BestObservedFileName}`).");
            sb.AppendLine();
            return sb.ToString();
        }
        string quality = a.RankCorrelation switch
        {
            double.NaN => "undefined (the predictions or the losses are all tied)",
            >= 0.8 => "the fit ranks held-out mixtures well",
            >= 0.5 => "the fit ranks held-out mixtures roughly; treat the prediction as a hint",
            _ => "the fit does not rank held-out mixtures; do not trust the prediction (more proxies, longer proxies, or linear features)",
        };
        var ridgeCv = a.CrossValidation[RegMixRegressor.Ridge].Rho;
        var lgbCv = a.CrossValidation[RegMixRegressor.LightGbm].Rho;
        sb.AppendLine(string.Create(inv, $"Regressions fitted on {a.Names.Count} finished proxies ({RegMixAnalysis.Metric.Label} π-loss averaged over each " +
                      $"proxy's seeds). {a.Folds}-fold cross-validated Spearman rank correlation of out-of-fold predictions with the observed " +
                      $"π-loss: **LightGBM {lgbCv:F3}**, **ridge ({c.Features.ToString().ToLowerInvariant()}, ridge {c.Ridge:G3}) {ridgeCv:F3}**. " +
                      $"The mixture is picked by the {RegressorLabel(a)} (`regressor: {(a.Regressor == RegMixRegressor.LightGbm ? "lightgbm" : "ridge")}`): " +
                      $"{quality}."));
        sb.AppendLine();
        var names = a.CoefficientNames();
        sb.AppendLine("| coefficient | value |");
        sb.AppendLine("|---|---|");
        for (int i = 0; i < names.Count; i++) sb.AppendLine(string.Create(inv, $"| {names[i]} | {a.Ridge.Coefficients[i]:F4} |"));
        sb.AppendLine();
        sb.AppendLine(string.Create(inv, $"Predicted best (`{MixtureFileName}`: classic mode, loss weights 1): the mean of the {c.TopK} lowest-predicted of " +
                      $"{c.Candidates} Dirichlet candidates (strength {c.CandidateStrength:G3} around the natural shares); predicted {RegMixAnalysis.Metric.Label} π-loss {a.PredictedBestLoss:F4}, " +
                      $"against {a.Losses.Min():F4} observed for the best proxy (`{BestObservedFileName}`)."));
        sb.AppendLine();
        sb.AppendLine("| domain | natural share | predicted best p | best observed p |");
        sb.AppendLine("|---|---|---|---|");
        for (int i = 0; i < design.Domains.Count; i++)
            sb.AppendLine(string.Create(inv, $"| {design.Domains[i]} | {design.Prior[i]:F3} | {a.PredictedBest[i]:F3} | {observed.Domains[i].SamplingWeight:F3} |"));
        sb.AppendLine();
        sb.AppendLine("| proxy | " + string.Join(" | ", design.Domains.Select(d => $"p {d}")) + $" | observed {RegMixAnalysis.Metric.Label} π-loss | out-of-fold prediction |");
        sb.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---|", design.Domains.Count + 2)));
        for (int r = 0; r < a.Names.Count; r++)
            sb.AppendLine($"| {a.Names[r]} | " + string.Join(" | ", a.Mixtures[r].Select(x => x.ToString("F3", inv))) +
                          string.Create(inv, $" | {a.Losses[r]:F4} | {a.OutOfFold[r]:F4} |"));
        sb.AppendLine();
        return sb.ToString();
    }

    /// <summary>The race: what was decided, at what confidence, each look, and the runs spent against the fixed design.</summary>
    private static string RacingMarkdown(RacingDecision race, RacingConfig racing, long[] seeds, string runs)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("## Racing");
        sb.AppendLine();
        sb.AppendLine($"**{Capital(race.Summary)}.**");
        sb.AppendLine();
        sb.AppendLine(string.Create(inv,
            $"Seeds in rounds of {string.Join(" + ", racing.Rounds)} ({string.Join(", ", seeds)} in that order); practical margin {racing.Margin:G3} " +
            $"({(racing.Margin > 0 ? "the race stops once every remaining configuration's upper bound to the best of the others is below it" : "0: no equivalence stop")}). " +
            $"After each round, a look: multiple comparisons with the best over the configurations still in the race, on all their seeds so far; " +
            $"those confidently worse than another remaining one leave. Every look is judged at the critical value of one family for the whole " +
            $"race — Bonferroni over {race.Family.Bounds} one-sided bounds ({race.Family.Description}) — so with probability at least " +
            $"{race.Family.Confidence:P0} the best configuration is never eliminated, and every configuration declared equivalent is within the " +
            $"margin of it (normal, seed-paired differences). Runs: {race.Runs} of the fixed design's {race.FixedRuns} " +
            $"({(double)race.Runs / race.FixedRuns:P0}; every run trains the same budget, so this is the compute spent)."));
        sb.AppendLine();
        TableHeader(sb, ["look", "seeds so far", "compared", "left the race (confidently worse than)", "may be best after the look"]);
        foreach (var look in race.Looks)
            TableRow(sb, [(look.Round + 1).ToString(inv), look.Seeds.ToString(inv), look.Set.Rows.Count.ToString(inv),
                          look.Eliminated.Count == 0 ? "–" : string.Join(", ", look.Eliminated.Select(e => $"{e} ({look.Set[e].WorseThan})")),
                          string.Join(", ", look.Set.Set)]);
        sb.AppendLine();
        if (race.Outcome == RacingOutcome.Budget)
        {
            // The finished runs are a pilot: their own means and noise say which rounds and margin would decide.
            sb.AppendLine($"No decision within this budget. To choose rounds and a margin that would decide, simulate candidate designs with these runs' " +
                          $"means and noise as the truth: `torchmix bench sweeps --from {runs}/* --design 5,3,3:0.1` (docs/sweeps.md, \"Planning a race\").");
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>A Markdown table's header line and its separator.</summary>
    private static void TableHeader(StringBuilder sb, IReadOnlyList<string> headers)
    {
        TableRow(sb, headers);
        sb.AppendLine("|" + string.Concat(Enumerable.Repeat("---|", headers.Count)));
    }

    private static void TableRow(StringBuilder sb, IEnumerable<string> cells) => sb.AppendLine("| " + string.Join(" | ", cells) + " |");

    private static string Markdown(SweepManifest manifest, RunComparison cmp, int finished, IReadOnlyList<string> plots, MixtureFile mixture,
                                   string mixtureFile, string? regMix, RacingDecision? race, string selected, IReadOnlyList<string> notFinished,
                                   IReadOnlyList<UnigramBaseline>? floors)
    {
        var inv = CultureInfo.InvariantCulture;
        var cfg = manifest.Plan.Config;
        var metric = cmp.Metric;
        var set = cmp.BestSet;
        var sb = new StringBuilder();
        sb.AppendLine($"# Sweep {cfg.Name}");
        sb.AppendLine();
        // The sweep file's note is left out: it documents the file, and a copied template's note states the template's
        // counts, not this sweep's; the line below states the plan's own.
        int total = race?.Runs ?? manifest.Tasks.Count;
        bool incomplete = race is null ? finished < total : race.Outcome == RacingOutcome.Running;
        sb.AppendLine($"Base config `{cfg.Base}`; {manifest.Plan.Configurations.Count} configurations × {cfg.Seeds.Length} seeds " +
                      $"({string.Join(", ", cfg.Seeds)}){(race is null ? "" : " at most (racing)")}; {finished} of {total} runs " +
                      $"{(race is null ? "" : "called for so far ")}finished" +
                      (incomplete ? " — **the sweep is incomplete; figures cover the finished runs only**." : "."));
        sb.AppendLine();
        if (notFinished.Count > 0)
        {
            sb.AppendLine("Marked done but not counted as finished (their metrics.jsonl does not end with the final evaluation):");
            sb.AppendLine();
            foreach (var n in notFinished) sb.AppendLine($"- {n}");
            sb.AppendLine();
        }
        if (race is not null) sb.Append(RacingMarkdown(race, cfg.Racing!, cfg.Seeds, Path.Combine(manifest.Directory, SweepPlan.RunsFolder)));
        sb.AppendLine($"Metric: the final **{metric.Label}** evaluation of each run (metrics.jsonl `{metric.DomainLossKey}`, `{metric.PiLossKey}`): " +
                      "per-domain loss in nats per token and the π-weighted loss. Values are mean ± the Student-t 95% interval over seeds. " +
                      $"Configurations are {cmp.Ranking.Definition}. " +
                      $"\"{cmp.Ranking.ShortLabel} − best of others\" is each configuration's paired difference (on the seeds both ran: same data order and " +
                      "initialisation) to the best of the other configurations, with its simultaneous interval from multiple comparisons with " +
                      $"the best (MCB); \"may be best\" marks the confidence set of configurations that may have the lowest expected {cmp.Ranking.ShortLabel}.");
        sb.AppendLine();
        var headers = new List<string> { "configuration", "seeds", "mode" };
        headers.AddRange(cmp.Domains.Select(d => $"{metric.Label} {d}"));
        bool scoreColumn = cmp.Ranking.Kind != RankingKind.PiLoss;
        headers.Add($"{metric.Label} π-loss");
        if (scoreColumn) headers.Add($"{metric.Label} {cmp.Ranking.ShortLabel}");
        headers.AddRange([$"{cmp.Ranking.ShortLabel} − best of others", $"MCB {set.Family.Confidence:P0} interval", "verdict"]);
        TableHeader(sb, headers);
        foreach (var r in cmp.Rows.OrderBy(r => r.Score.Mean))
        {
            var o = set[r.Name];
            var cells = new List<string> { r.Name == set.Best ? $"**{r.Name}**" : r.Name, r.Seeds.ToString(inv), r.Mode };
            cells.AddRange(r.DomainLoss.Select(Fmt));
            cells.Add(Fmt(r.PiLoss));
            if (scoreColumn) cells.Add(Fmt(r.Score));
            cells.Add(BestSetRow.Signed(o.Estimate));
            cells.Add(o.IntervalText);
            cells.Add(o.Verdict);
            TableRow(sb, cells);
        }
        var unigram = floors is not null && floors.Select(u => u.Domain).SequenceEqual(cmp.Domains) ? floors : null;
        if (unigram is not null)
        {
            var cells = new List<string> { "*unigram model*", "–", "–" };
            cells.AddRange(unigram.Select(u => u.TestCrossEntropy.ToString("F3", inv)));
            // π-weighted with the runs' importance (the first row's; π is fixed by the base config, not by the weighting).
            var pi = cmp.Rows[0].Importance;
            double piLoss = unigram.Select((u, i) => RunMetrics.At(pi, i) * u.TestCrossEntropy).Sum() / pi.Sum();
            cells.Add(piLoss.ToString("F3", inv));
            if (scoreColumn) cells.Add(UnigramScore(cmp, unigram, pi));
            cells.AddRange(["–", "–", "–"]);
            TableRow(sb, cells);
            sb.AppendLine();
            sb.AppendLine("*unigram model*: the test loss of each domain's train-split token frequencies (add-½ smoothing), the floor a " +
                          "language model has to beat; its π-loss weights them with the runs' π.");
        }
        sb.AppendLine();
        var members = set.Set;
        string score = $"{metric.Label} {cmp.Ranking.Label}";
        sb.AppendLine($"**Best by {score}: {set.Best}** ({Fmt(cmp.Rows.Single(r => r.Name == set.Best).Score)}). " +
                      (members.Count == 1
                          ? $"It is the only configuration that may be the best: every other one is confidently worse than some configuration."
                          : $"{members.Count} of {set.Rows.Count} configurations may be the best ({string.Join(", ", members)}); the others are " +
                            "confidently worse than some configuration. More seeds narrow the set."));
        sb.AppendLine();
        sb.AppendLine($"*Guarantee.* {set.GuaranteeFor(score)}.");
        sb.AppendLine();
        sb.Append(HealthMarkdown(cmp, unigram));
        sb.AppendLine(selected == set.Best
            ? $"Its weights are in `{mixtureFile}` ({mixture.Mode.ToString().ToLowerInvariant()} mode, policy {mixture.Policy}):"
            : $"`{mixtureFile}` holds the weights of **{selected}**, the lowest on {RegMixAnalysis.Metric.Label} π-loss (a RegMix sweep never picks on test) " +
              $"({mixture.Mode.ToString().ToLowerInvariant()} mode, policy {mixture.Policy}):");
        sb.AppendLine();
        sb.AppendLine("| domain | importance π | loss weight w | sampling weight p |" + (mixture.Domains.Any(d => d.AveragedSamplingWeight is not null) ? " run-averaged w | run-averaged p |" : ""));
        sb.AppendLine("|---|---|---|---|" + (mixture.Domains.Any(d => d.AveragedSamplingWeight is not null) ? "---|---|" : ""));
        foreach (var d in mixture.Domains)
            sb.AppendLine(string.Create(inv, $"| {d.Name} | {d.Importance:F3} | {d.LossWeight:F3} | {d.SamplingWeight:F3} |") +
                          (d.AveragedSamplingWeight is { } ap ? string.Create(inv, $" {d.AveragedLossWeight:F3} | {ap:F3} |") : ""));
        sb.AppendLine();
        if (cfg.Baseline is { } baseline && cmp.Rows.Any(r => r.Name == baseline))
        {
            var against = cmp.VersusBaseline(baseline);
            sb.AppendLine($"### Against {baseline}");
            sb.AppendLine();
            sb.AppendLine($"Paired difference configuration − {baseline} of the final {metric.Label} loss per domain and of the π-loss, mean ± " +
                          $"Student-t 95 % interval over shared seeds (the π-loss column: the simultaneous interval of the set above); " +
                          $"negative = lower loss than {baseline}; **\\*** = significant. {Capital(against.Method)}.");
            sb.AppendLine();
            // The cells' significance star is Markdown emphasis unless escaped.
            TableHeader(sb, against.Headers.Select(h => h.Replace("*", "\\*")).ToList());
            foreach (var row in against.TableRows()) TableRow(sb, row.Select(c => c.Replace("*", "\\*")));
            sb.AppendLine();
        }
        if (regMix is not null) sb.Append(regMix);
        sb.AppendLine("Plots:");
        sb.AppendLine();
        foreach (var p in plots)
        {
            string rel = Path.GetRelativePath(manifest.Directory, p);
            sb.AppendLine($"![{Path.GetFileNameWithoutExtension(p)}]({rel})");
        }
        return sb.ToString();
    }

    /// <summary>The unigram model's own ranking score (its floors as its losses), for its row of the table.</summary>
    private static string UnigramScore(RunComparison cmp, IReadOnlyList<UnigramBaseline> unigram, double[] pi) =>
        cmp.RankingScale is { } scale
            ? Ranking.Score(scale, unigram.Select(u => u.TestCrossEntropy).ToArray(), double.NaN, pi).ToString("F4", CultureInfo.InvariantCulture)
            : "–";

    /// <summary>
    /// The test split's measurement per domain (documents, sequences evaluated, standard error of the loss) and the
    /// warnings of <see cref="RunHealthWarnings"/>, with the rules that raise them.
    /// </summary>
    private static string HealthMarkdown(RunComparison cmp, IReadOnlyList<UnigramBaseline>? unigram)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        if (cmp.Metric == ComparisonMetric.Test)
        {
            var splits = RunHealthWarnings.TestSplits(cmp, unigram);
            sb.AppendLine("Test evaluation per domain (the runs' last evaluation; standard error over the evaluated sequences, mean over runs — " +
                          "sequences of one document are correlated, so it understates the uncertainty when documents are few):");
            sb.AppendLine();
            TableHeader(sb, ["domain", "test documents", "sequences evaluated", "loss SE (nats)", "unigram floor"]);
            foreach (var e in splits)
                TableRow(sb, [e.Domain, e.Documents > 0 ? e.Documents.ToString(inv) : "–", e.Sequences > 0 ? e.Sequences.ToString(inv) : "–",
                              double.IsFinite(e.StandardError) ? e.StandardError.ToString("F4", inv) : "–",
                              double.IsFinite(e.Floor) ? e.Floor.ToString("F3", inv) : "–"]);
            sb.AppendLine();
        }
        var warnings = RunHealthWarnings.For(cmp, unigram);
        if (warnings.Count > 0)
        {
            sb.AppendLine(string.Create(inv, $"**Warnings** (rules: a run is still falling when a line through its last {RunHealthWarnings.Window} evaluations of the π-loss ") +
                          string.Create(inv, $"falls by more than twice the scatter around it and by more than {RunHealthWarnings.MinimumFall} nats; near the floor = a mean loss above ") +
                          string.Create(inv, $"the unigram floor − {RunHealthWarnings.FloorMargin} nats; a test split is too small with fewer than {RunHealthWarnings.MinimumDocuments} ") +
                          string.Create(inv, $"documents or a loss SE above {RunHealthWarnings.MaximumStandardError} nats):"));
            sb.AppendLine();
            foreach (var w in warnings) sb.AppendLine($"- {w}");
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static string Fmt(MeanCi c) => Fmt(c, signed: false);

    private static string Fmt(MeanCi c, bool signed)
    {
        if (c.N == 0) return "–";
        string mean = c.Mean.ToString(signed ? "+0.0000;-0.0000;0.0000" : "F4", CultureInfo.InvariantCulture);
        return c.N > 1 ? $"{mean} ± {c.HalfWidth.ToString("F4", CultureInfo.InvariantCulture)}" : mean;
    }

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
