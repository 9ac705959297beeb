namespace TorchMixing.Export;

/// <summary>One file an exporter produces: its path relative to the format's output folder, and its full text.</summary>
public sealed record ExportFile(string RelativePath, string Content);
