using TorchMixing.Data;

namespace TorchMixing.Tests.Data;

public class MixturePlanTests
{
    private static IDomainSequences[] Domains() =>
        [MixtureSamplerTests.Domain("prose", 0, 1000), MixtureSamplerTests.Domain("code", 1, 400), MixtureSamplerTests.Domain("tiny", 2, 10)];

    [Fact]
    public void Plan_counts_sequences_tokens_and_epochs_from_the_budget()
    {
        // T = 4: a budget of 4000 trained tokens is 1000 sequences.
        var plan = MixturePlan.Create(Domains(), [0.6, 0.3, 0.1], 4000);
        Assert.Equal([600L, 300L, 100L], plan.Domains.Select(d => d.Sequences));
        Assert.Equal([2400L, 1200L, 400L], plan.Domains.Select(d => d.Tokens));
        Assert.Equal(0.6, plan.Domains[0].Epochs, 12);
        Assert.Equal(0.75, plan.Domains[1].Epochs, 12);
        Assert.Equal(10.0, plan.Domains[2].Epochs, 12);
        plan.EnsureFeasible(); // no limits: repeating is allowed
        Assert.Equal(1000, MixturePlan.Create(Domains(), [1, 1, 1], 3999).TotalSequences);
    }

    [Fact]
    public void Over_repeating_a_stop_domain_is_refused_with_the_fix()
    {
        var limits = new Dictionary<string, DomainSamplingLimits> { ["tiny"] = new() { Policy = ExhaustionPolicy.Stop } };
        var plan = MixturePlan.Create(Domains(), [0.6, 0.3, 0.1], 4000, limits: n => limits.GetValueOrDefault(n, DomainSamplingLimits.Default));
        var e = Assert.Throws<UserInputException>(plan.EnsureFeasible);
        Assert.Contains("'tiny'", e.Message);
        Assert.Contains("10 epochs", e.Message);
        Assert.Contains("≤ 0.01", e.Message);   // 10 of 1000 sequences
        Assert.Contains("≤ 400 tokens", e.Message); // 10 sequences / 0.1 share · T
    }

    [Fact]
    public void Max_epochs_and_max_fraction_are_checked()
    {
        var limits = new Dictionary<string, DomainSamplingLimits>
        {
            ["code"] = new() { MaxEpochs = 0.5 },
            ["prose"] = new() { MaxFraction = 0.5 },
        };
        var plan = MixturePlan.Create(Domains(), [0.6, 0.3, 0.1], 4000, limits: n => limits.GetValueOrDefault(n, DomainSamplingLimits.Default));
        var e = Assert.Throws<UserInputException>(plan.EnsureFeasible);
        Assert.Contains("'code'", e.Message);
        Assert.Contains("'prose'", e.Message);
        Assert.DoesNotContain("'tiny'", e.Message);
    }

    [Fact]
    public void Token_weights_convert_to_sequence_weights_by_tokens_per_sequence()
    {
        var a = MixturePlan.Create(Domains(), [2, 1, 1], 4000, WeightUnit.Tokens);
        var b = MixturePlan.Create(Domains(), [2, 1, 1], 4000, WeightUnit.Sequences);
        Assert.Equal(b.Domains.Select(d => d.Sequences), a.Domains.Select(d => d.Sequences));
    }

    [Fact]
    public void Weights_by_name_refuse_unknown_and_missing_domains()
    {
        string[] names = ["prose", "code"];
        Assert.Equal([0.7, 0.3], DomainWeights.FromNames(new Dictionary<string, double> { ["code"] = 0.3, ["prose"] = 0.7 }, names, "w"));
        var e = Assert.Throws<UserInputException>(() => DomainWeights.FromNames(new Dictionary<string, double> { ["prose"] = 1, ["code"] = 1, ["wiki"] = 1 }, names, "exp.json: sampling_weights"));
        Assert.Contains("unknown domain 'wiki'", e.Message);
        Assert.Contains("exp.json: sampling_weights", e.Message);
        Assert.Contains("'code'", Assert.Throws<UserInputException>(() => DomainWeights.FromNames(new Dictionary<string, double> { ["prose"] = 1 }, names, "w")).Message);
        Assert.Throws<UserInputException>(() => DomainWeights.FromNames(new Dictionary<string, double> { ["prose"] = -1, ["code"] = 1 }, names, "w"));
    }
}

public class DataCatalogTests
{
    private static DataCatalog With(params double?[] pi) => new()
    {
        Source = "exp.json",
        Domains = pi.Select((p, i) => new DomainSource { Name = $"d{i}", Files = ["x"], Importance = p }).ToList(),
    };

    [Fact]
    public void Importance_is_all_or_nothing()
    {
        Assert.Null(With(null, null).Importance());
        Assert.Equal([0.25, 0.75], With(0.25, 0.75).Importance()!);
        Assert.Contains("'d1'", Assert.Throws<UserInputException>(() => With(0.5, null).Importance()).Message);
        Assert.Throws<UserInputException>(() => With(0, 0).Importance());
    }

    [Fact]
    public void Sampler_options_take_limits_from_the_catalog()
    {
        var cat = With(1, 1) with
        {
            Domains = [new DomainSource { Name = "a", Files = ["x"], Policy = ExhaustionPolicy.Stop }, new DomainSource { Name = "b", Files = ["y"], MaxEpochs = 3 }],
        };
        var o = MixtureSamplerOptions.ForCatalog(cat) with { Seed = 9 };
        Assert.Equal(1.0, o.LimitsFor("a").EpochCap);
        Assert.Equal(3.0, o.LimitsFor("b").EpochCap);
        Assert.Equal(9UL, o.Seed);
    }

    [Fact]
    public void Validation_names_the_catalog_and_domain()
    {
        var bad = With(0.5, 0.5) with { Domains = [new DomainSource { Name = "d0", Files = [] }] };
        Assert.Contains("'d0'", Assert.Throws<UserInputException>(bad.Validate).Message);
        var dup = With(1, 1) with { Domains = [new DomainSource { Name = "a", Files = ["x"] }, new DomainSource { Name = "a", Files = ["y"] }] };
        Assert.Contains("twice", Assert.Throws<UserInputException>(dup.Validate).Message);
        var limits = With(1) with { Domains = [new DomainSource { Name = "a", Files = ["x"], MaxEpochs = -1 }] };
        Assert.Contains("max_epochs", Assert.Throws<UserInputException>(limits.Validate).Message);
        Assert.Contains("tokenizer", Assert.Throws<UserInputException>((With(1) with { Tokenizer = "bert" }).Validate).Message);
    }
}
