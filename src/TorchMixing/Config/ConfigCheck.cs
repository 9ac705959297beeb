using System.Globalization;

namespace TorchMixing.Config;

/// <summary>
/// Domain checks for config fields, so every record's <c>Validate</c> words its messages the same way:
/// "<c>source: field must be …, got value.</c>" — the file, the field, the allowed range and what was given.
/// </summary>
public sealed class ConfigCheck(string source)
{
    public string Source { get; } = source;

    public UserInputException Fail(string field, string rule, object? got) =>
        new($"{Source}: {field} must be {rule}, got {Show(got)}.");

    public T Required<T>(T? value, string field, string what = "an object") where T : class =>
        value ?? throw new UserInputException($"{Source}: {field} is required ({what}), got null.");

    public void AtLeast(long value, long min, string field)
    {
        if (value < min) throw Fail(field, $"≥ {min}", value);
    }

    public void InRange(long value, long min, long max, string field)
    {
        if (value < min || value > max) throw Fail(field, $"in [{min}, {max}]", value);
    }

    /// <summary>A finite number with <paramref name="min"/> ≤ value (or &lt; when <paramref name="minExclusive"/>).</summary>
    public void Finite(double value, string field, double min = double.NegativeInfinity, bool minExclusive = false,
                       double max = double.PositiveInfinity, bool maxExclusive = false)
    {
        bool ok = double.IsFinite(value)
                  && (minExclusive ? value > min : value >= min)
                  && (maxExclusive ? value < max : value <= max);
        if (ok) return;
        string lo = double.IsNegativeInfinity(min) ? "" : $"{(minExclusive ? "(" : "[")}{Show(min)}";
        string hi = double.IsPositiveInfinity(max) ? "" : $"{Show(max)}{(maxExclusive ? ")" : "]")}";
        string rule = (lo, hi) switch
        {
            ("", "") => "a finite number",
            (_, "") => $"a finite number {(minExclusive ? ">" : "≥")} {Show(min)}",
            ("", _) => $"a finite number {(maxExclusive ? "<" : "≤")} {Show(max)}",
            _ => $"a finite number in {lo}, {hi}",
        };
        throw Fail(field, rule, value);
    }

    public void OneOf(string? value, string field, params string[] allowed)
    {
        if (value is null || !allowed.Contains(value))
            throw Fail(field, "one of " + string.Join(", ", allowed.Select(a => $"\"{a}\"")), value is null ? null : $"\"{value}\"");
    }

    public static string Show(object? v) => v switch
    {
        null => "null",
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "null",
    };
}
