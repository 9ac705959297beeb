using ScottPlot;

namespace TorchMixing.Reporting;

/// <summary>One curve of a <see cref="LinePlot"/>: mean values with an optional band (e.g. a 95% confidence interval).</summary>
public sealed record PlotSeries(string Label, double[] X, double[] Y, double[]? Lower = null, double[]? Upper = null);

/// <summary>
/// PNG line plots with shaded bands, headless (ScottPlot renders with Skia, no display needed). Thin on purpose:
/// studies and the trainer hand it numbers; how they look is decided here, once.
/// </summary>
public static class LinePlot
{
    /// <summary>
    /// Saves the curves as a PNG; <paramref name="legendOutside"/> puts the legend right of the axes, where it cannot hide
    /// a curve (for plots whose curves reach every corner).
    /// </summary>
    public static void Save(string path, string title, string xLabel, string yLabel, IEnumerable<PlotSeries> series,
                            bool logY = false, int width = 800, int height = 500, bool legendOutside = false)
    {
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int idx = 0;
        foreach (var s in series)
        {
            var color = palette.GetColor(idx++);
            double[] y = logY ? s.Y.Select(SafeLog).ToArray() : s.Y;
            if (s.Lower is not null && s.Upper is not null)
            {
                double[] lo = logY ? s.Lower.Select(SafeLog).ToArray() : s.Lower;
                double[] hi = logY ? s.Upper.Select(SafeLog).ToArray() : s.Upper;
                var band = plt.Add.FillY(s.X, lo, hi);
                band.FillColor = color.WithAlpha(0.2);
                band.LineWidth = 0;
            }
            var line = plt.Add.ScatterLine(s.X, y);
            line.Color = color;
            line.LineWidth = 2;
            line.LegendText = s.Label;
        }
        plt.Title(title);
        plt.XLabel(xLabel);
        plt.YLabel(logY ? $"{yLabel} (log10)" : yLabel);
        if (legendOutside) plt.ShowLegend(Edge.Right);
        else plt.ShowLegend(Alignment.UpperRight);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        plt.SavePng(path, width, height);
    }

    /// <summary>Bar chart of one value per label (e.g. final error per method), with optional error bars.</summary>
    public static void SaveBars(string path, string title, string yLabel, IReadOnlyList<string> labels,
                                IReadOnlyList<double> values, IReadOnlyList<double>? errors = null, int width = 800, int height = 500)
    {
        var plt = new Plot();
        var bars = new List<Bar>();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < labels.Count; i++)
            bars.Add(new Bar { Position = i, Value = values[i], Error = errors?[i] ?? 0, FillColor = palette.GetColor(i) });
        plt.Add.Bars(bars);
        plt.Axes.Bottom.SetTicks(Enumerable.Range(0, labels.Count).Select(i => (double)i).ToArray(), labels.ToArray());
        plt.Axes.Margins(bottom: 0);
        plt.Title(title);
        plt.YLabel(yLabel);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        plt.SavePng(path, width, height);
    }

    private static double SafeLog(double v) => Math.Log10(Math.Max(v, 1e-300));
}
