using TorchMixing.IO;

namespace TorchMixing.Export;

/// <summary>The exporters by format, and writing their files: all formats are rendered first, so a refused target
/// (e.g. an infeasible plan) leaves nothing written, and every file is written atomically.</summary>
public static class Exporters
{
    public static IReadOnlyList<IMixtureExporter> All { get; } =
    [
        new MegatronExporter(), new NemoExporter(), new OlmoExporter(), new HuggingFaceExporter(), new MosaicExporter(), new TorchtuneExporter(),
    ];

    public static IMixtureExporter For(ExportFormat format) => All.First(e => e.Format == format);

    /// <summary>The format's name on the command line and as its output folder.</summary>
    public static string Name(ExportFormat format) => format.ToString().ToLowerInvariant();

    /// <summary>"all", one name, or a comma-separated list of names.</summary>
    public static IReadOnlyList<ExportFormat> Parse(string value)
    {
        if (value.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return All.Select(e => e.Format).ToList();
        var names = Enum.GetValues<ExportFormat>().ToDictionary(Name);
        var formats = new List<ExportFormat>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!names.TryGetValue(part.ToLowerInvariant(), out var f))
                throw new UserInputException($"--format: '{part}' is not a target; use one of: {string.Join(", ", names.Keys)}, all.");
            if (!formats.Contains(f)) formats.Add(f);
        }
        if (formats.Count == 0) throw new UserInputException("--format: give a target, e.g. --format megatron.");
        return formats;
    }

    /// <summary>The upstream release each target's output was checked against (docs/export.md, compatibility table).</summary>
    public static string Release(ExportFormat format) => format switch
    {
        ExportFormat.Megatron => MegatronExporter.Release,
        ExportFormat.Nemo => NemoExporter.Release,
        ExportFormat.Olmo => OlmoExporter.Release,
        ExportFormat.Hf => HuggingFaceExporter.Release,
        ExportFormat.Mosaic => MosaicExporter.Release,
        ExportFormat.Torchtune => TorchtuneExporter.Release,
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>Renders every format, then writes each under <c>outDirectory/&lt;format&gt;/</c>; returns the paths written.</summary>
    public static IReadOnlyList<string> Write(ExportMixture mixture, IReadOnlyList<ExportFormat> formats, string outDirectory)
    {
        var rendered = formats.Select(f => (Format: f, Files: For(f).Render(mixture))).ToList();
        var written = new List<string>();
        foreach (var (format, files) in rendered)
            foreach (var file in files)
            {
                string path = Path.Combine(outDirectory, Name(format), file.RelativePath);
                AtomicFile.WriteAllText(path, file.Content);
                written.Add(path);
            }
        return written;
    }
}
