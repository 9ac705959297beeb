namespace TorchMixing.Data;

/// <summary>Which of a domain's three disjoint parts a document belongs to.</summary>
public enum DataSplit
{
    Train,

    /// <summary>Read while training: by adaptive policies (FGLS, ERMA, …) and for the val_* figures in metrics.jsonl.</summary>
    Validation,

    /// <summary>Read only for reporting (test_* in metrics.jsonl, compare, sweep reports); nothing that steers training sees it.</summary>
    Test,
}

/// <summary>
/// The shares of each domain's documents held out for validation and for test, and the rule that assigns a document
/// to its split: a hash of its text, so the assignment is deterministic, independent of file order and thread count,
/// and exact duplicates always land in the same split (no leakage between splits through copies).
/// <para>The hash is mapped to [0, 1): below <see cref="Validation"/> is validation, the next <see cref="Test"/> is
/// test, the rest trains. Raising the test share therefore never moves a validation document, and the validation
/// documents of a catalog are the ones its single held-out split used to hold.</para>
/// </summary>
public readonly record struct DocumentSplit(double Validation, double Test)
{
    /// <summary>Refuses shares outside [0, 1) or summing to 1 or more, naming <paramref name="where"/>.</summary>
    public void Validate(string where, string validationField = "validation_fraction", string testField = "test_fraction")
    {
        if (!(Validation >= 0 && Validation < 1))
            throw new UserInputException($"{where}: {validationField} must be in [0, 1), got {Validation}.");
        if (!(Test >= 0 && Test < 1))
            throw new UserInputException($"{where}: {testField} must be in [0, 1), got {Test}.");
        if (Validation + Test >= 1)
            throw new UserInputException($"{where}: {validationField} + {testField} = {Validation + Test} leaves no document for training; keep their sum below 1.");
    }

    public DataSplit Of(string document) => Of(document.AsSpan());

    public DataSplit Of(ReadOnlySpan<char> document)
    {
        if (Validation <= 0 && Test <= 0) return DataSplit.Train;
        ulong u = Hash(document) % Resolution;
        if (u < Threshold(Validation)) return DataSplit.Validation;
        if (u < Threshold(Validation) + Threshold(Test)) return DataSplit.Test;
        return DataSplit.Train;
    }

    private const ulong Resolution = 1_000_000UL;

    private static ulong Threshold(double share) => (ulong)Math.Round(share * Resolution);

    private static ulong Hash(ReadOnlySpan<char> document)
    {
        ulong h = 0xCBF29CE484222325UL; // FNV-1a over the UTF-16 code units
        foreach (char c in document) { h ^= c; h *= 0x100000001B3UL; }
        h ^= h >> 33; h *= 0xFF51AFD7ED558CCDUL; h ^= h >> 33; // finalise so the low digits are well mixed
        return h;
    }
}
