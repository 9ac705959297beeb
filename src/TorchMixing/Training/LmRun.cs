using TorchMixing.Data;

namespace TorchMixing.Training;

/// <summary>
/// Wires one run from its config, like a torchtune recipe: domains → train/held-out split → the data pipeline's
/// <see cref="MixtureSampler"/> → weight policy → <see cref="LmTrainer"/>. Nothing here computes anything itself.
/// </summary>
public static class LmRun
{
    public static LmTrainer CreateTrainer(LmRunConfig config, string runDirectory, string source)
    {
        var model = config.Model.Validated(source);
        IReadOnlyList<IDomainSequences> domains = config.Data.Source switch
        {
            "synthetic" => SyntheticCorpus.Build(config.Data.Synthetic, model.VocabSize, model.SequenceLength, config.Data.Synthetic.Seed, $"{source}: data.synthetic"),
            "catalog" => throw new UserInputException($"{source}: data.source \"catalog\" needs the data pipeline's catalog, which this build does not have yet; use \"synthetic\"."),
            _ => throw new UserInputException($"{source}: data.source must be \"synthetic\" or \"catalog\", got \"{config.Data.Source}\"."),
        };
        if (config.Data.HeldOutFraction is <= 0 or >= 1)
            throw new UserInputException($"{source}: data.held_out_fraction must be in (0, 1), got {config.Data.HeldOutFraction}.");
        var split = domains.Select(d => SequenceRange.Split(d, config.Data.HeldOutFraction)).ToArray();
        var stream = new MixtureSampler(split.Select(s => s.Train).ToArray(), new MixtureSamplerOptions
        {
            Allocation = config.Weights.Allocation,
            MinPerDomain = config.Weights.MinPerDomain,
            Seed = (ulong)config.Seed,
        });
        var policy = LmPolicyFactory.Create(config.Weights.Policy, source);
        return new LmTrainer(config, stream, split.Select(s => s.HeldOut).ToArray(), policy, runDirectory, source);
    }
}
