namespace TorchMixing.Data;

/// <summary>Turns weights given by domain name (as configs write them) into a vector in domain order.</summary>
public static class DomainWeights
{
    /// <summary>
    /// Every domain needs a weight and every name must be a domain: a typo must fail loudly, not silently give a
    /// domain weight zero. <paramref name="field"/> names the config field in messages.
    /// </summary>
    public static double[] FromNames(IReadOnlyDictionary<string, double> byName, IReadOnlyList<string> domains, string field)
    {
        foreach (var name in byName.Keys)
            if (!domains.Contains(name))
                throw new UserInputException($"{field}: unknown domain '{name}' (domains: {string.Join(", ", domains)}).");
        var missing = domains.Where(d => !byName.ContainsKey(d)).ToList();
        if (missing.Count > 0)
            throw new UserInputException($"{field}: no weight for domain(s) {string.Join(", ", missing.Select(m => $"'{m}'"))}; give 0 to leave one out.");
        var w = domains.Select(d => byName[d]).ToArray();
        Weighting.DomainVector.Validate(w, domains.Count, field);
        return w;
    }
}
