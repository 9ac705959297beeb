using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchMixing.Data;

namespace TorchMixing.Reporting;

/// <summary>What a ranking divides each domain's loss by: nothing (π-loss), its unigram floor, or a reference configuration's loss.</summary>
public enum RankingKind { PiLoss, PiExcessOverUnigram, Reference }

/// <summary>
/// The one place that says which number a comparison ranks configurations by (the best, every paired verdict, the
/// order of the tables and a sweep's mixture.json follow it), chosen per sweep (<c>rank_by</c>) or per
/// <c>compare --rank-by</c>:
/// <list type="bullet">
/// <item><c>"pi_loss"</c> (default): L_π = Σ π_i L_i / Σ π_i, nats per token. A domain's loss level is its entropy,
/// so a change of 1 % on a 7-nat prose domain moves L_π as much as a change of 10 % on a 0.7-nat one: the π-loss
/// mostly measures who does best on the highest-entropy domain.</item>
/// <item><c>"pi_excess_over_unigram"</c>: Σ π_i (L_i − F_i)/F_i / Σ π_i, with F_i the domain's unigram floor — the
/// test loss of a unigram model fitted to the domain's train-split token frequencies
/// (<see cref="UnigramBaseline.TestCrossEntropy"/>, the figure <c>data inspect</c> and the report's unigram row
/// print). Each domain's loss counts relative to what token frequencies alone achieve on it, so every domain's
/// change is measured in the same unit (fractions of its floor; negative = below the floor). The absolute excess
/// Σ π_i (L_i − F_i) would rank exactly like the π-loss (it is L_π minus a constant), hence the division.</item>
/// <item><c>{"reference": "NAME"}</c>: Σ π_i (L_i − R_i)/R_i / Σ π_i, with R_i the reference configuration's mean
/// final loss on domain i over its seeds: the π-weighted relative change against, say, uniform (0 for the
/// reference on average).</item>
/// </list>
/// Each score is a fixed linear function of a run's own final losses, so seed-paired differences stay paired.
/// </summary>
public sealed record Ranking(RankingKind Kind, string? Reference = null)
{
    public static Ranking PiLoss { get; } = new(RankingKind.PiLoss);
    public static Ranking PiExcessOverUnigram { get; } = new(RankingKind.PiExcessOverUnigram);

    /// <summary>As the sweep config writes it: <c>pi_loss</c>, <c>pi_excess_over_unigram</c> or <c>reference=NAME</c>.</summary>
    public string Key => Kind switch
    {
        RankingKind.PiLoss => "pi_loss",
        RankingKind.PiExcessOverUnigram => "pi_excess_over_unigram",
        _ => $"reference={Reference}",
    };

    /// <summary>What the headline names, e.g. "π-loss" or "π-weighted relative excess over the unigram floor".</summary>
    public string Label => Kind switch
    {
        RankingKind.PiLoss => "π-loss",
        RankingKind.PiExcessOverUnigram => "π-weighted relative excess over the unigram floor",
        _ => $"π-weighted relative excess over {Reference}",
    };

    /// <summary>A table column's name.</summary>
    public string ShortLabel => Kind switch
    {
        RankingKind.PiLoss => "π-loss",
        RankingKind.PiExcessOverUnigram => "π-excess/unigram",
        _ => $"π-excess/{Reference}",
    };

    /// <summary>One sentence for reports: the formula and where its per-domain scale comes from.</summary>
    public string Definition => Kind switch
    {
        RankingKind.PiLoss => "ranked by the π-loss Σ π_i L_i / Σ π_i (nats per token)",
        RankingKind.PiExcessOverUnigram =>
            "ranked by Σ π_i (L_i − F_i)/F_i / Σ π_i, F_i = the domain's unigram floor (a unigram model fitted to the train split's token " +
            "frequencies, scored on the test split): each domain's loss as a fraction above (+) or below (−) its floor",
        _ => $"ranked by Σ π_i (L_i − R_i)/R_i / Σ π_i, R_i = {Reference}'s mean final loss on domain i over its seeds: the π-weighted relative change against {Reference}",
    };

    /// <summary>Reads the sweep config's <c>rank_by</c> (null: π-loss).</summary>
    public static Ranking Parse(JsonNode? node, string field)
    {
        const string expected = "expected \"pi_loss\", \"pi_excess_over_unigram\" or {\"reference\": \"CONFIGURATION\"}";
        switch (node)
        {
            case null: return PiLoss;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return Parse(v.GetValue<string>(), field);
            case JsonObject o when o.Count == 1 && o["reference"] is JsonValue r && r.GetValueKind() == JsonValueKind.String
                                   && !string.IsNullOrWhiteSpace(r.GetValue<string>()):
                return new Ranking(RankingKind.Reference, r.GetValue<string>());
            default:
                throw new UserInputException($"{field}: {expected}, got {node.ToJsonString()}.");
        }
    }

    /// <summary>Reads <c>pi_loss</c>, <c>pi_excess_over_unigram</c> or <c>reference=NAME</c> (the command-line form).</summary>
    public static Ranking Parse(string text, string field) => text switch
    {
        "pi_loss" => PiLoss,
        "pi_excess_over_unigram" => PiExcessOverUnigram,
        _ when text.StartsWith("reference=", StringComparison.Ordinal) && text.Length > "reference=".Length =>
            new Ranking(RankingKind.Reference, text["reference=".Length..]),
        _ => throw new UserInputException($"{field}: expected pi_loss, pi_excess_over_unigram or a reference configuration " +
                                          $"(sweep config: {{\"reference\": \"uniform\"}}; compare: reference=uniform), got \"{text}\"."),
    };

    /// <summary>
    /// The per-domain scale of the score: null for the π-loss, the unigram floors, or the reference's mean final losses.
    /// </summary>
    /// <param name="domains">the comparison's domains, in order.</param>
    /// <param name="floors">each domain's unigram floor in the comparison's domain order, or null when unknown (synthetic data).</param>
    /// <param name="referenceMeans">a configuration's mean final per-domain loss, or null when no such configuration.</param>
    /// <param name="configurations">the configurations' names (for the error when the reference is not one).</param>
    internal double[]? Scale(IReadOnlyList<string> domains, IReadOnlyList<UnigramBaseline>? floors, Func<string, double[]?> referenceMeans, IReadOnlyList<string> configurations)
    {
        switch (Kind)
        {
            case RankingKind.PiLoss: return null;
            case RankingKind.PiExcessOverUnigram:
                if (floors is null || !floors.Select(f => f.Domain).SequenceEqual(domains))
                    throw new UserInputException("rank_by pi_excess_over_unigram: no unigram floors for these runs (they are computed from a catalog's " +
                                                 "token caches; synthetic data and catalogs that cannot be opened here have none); rank by pi_loss or a reference.");
                var f = floors.Select(u => u.TestCrossEntropy).ToArray();
                if (f.Any(x => !double.IsFinite(x) || x <= 0))
                    throw new UserInputException($"rank_by pi_excess_over_unigram: a domain's unigram floor is not a positive number ({string.Join(", ", f.Select(x => x.ToString("G4", CultureInfo.InvariantCulture)))}).");
                return f;
            default:
                var r = referenceMeans(Reference!) ?? throw new UserInputException(
                    $"rank_by reference \"{Reference}\" is not one of the configurations ({string.Join(", ", configurations)}).");
                if (r.Any(x => !double.IsFinite(x) || x <= 0))
                    throw new UserInputException($"rank_by reference \"{Reference}\": its mean final loss is not positive on every domain.");
                return r;
        }
    }

    /// <summary>The score of one run's final evaluation (lower is better).</summary>
    internal static double Score(double[]? scale, double[] domainLoss, double piLoss, double[] importance)
    {
        if (scale is null) return piLoss;
        double sum = 0, piSum = 0;
        for (int i = 0; i < scale.Length; i++)
        {
            double pi = RunMetrics.At(importance, i);
            if (pi == 0) continue;
            sum += pi * (RunMetrics.At(domainLoss, i) - scale[i]) / scale[i];
            piSum += pi;
        }
        return sum / piSum;
    }
}
