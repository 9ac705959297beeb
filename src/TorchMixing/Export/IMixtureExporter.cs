namespace TorchMixing.Export;

/// <summary>
/// Turns a resolved mixture into the files one target trainer reads, in the syntax that project documents. Rendering
/// is pure (no I/O), so tests parse exactly what would be written; <see cref="Exporters.Write"/> writes atomically.
/// </summary>
public interface IMixtureExporter
{
    ExportFormat Format { get; }

    IReadOnlyList<ExportFile> Render(ExportMixture mixture);
}
