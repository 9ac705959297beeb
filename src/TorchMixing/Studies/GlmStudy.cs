using System.Diagnostics;
using TorchMixing.Weighting;
using static TorchSharp.torch;

namespace TorchMixing.Studies;

/// <summary>Runs a linear or logistic study: for each setting, generate the data once, then run every method on it.</summary>
public static class GlmStudy
{
    public static GlmStudyResult Run(GlmKind kind, GlmStudyConfig config, Action<string>? progress = null)
    {
        var sw = Stopwatch.StartNew();
        var runs = new List<MethodRun>();
        var anchors = new Dictionary<string, IReadOnlyDictionary<string, double[]>>();
        for (int si = 0; si < config.Settings.Length; si++)
        {
            var setting = config.Settings[si];
            using var data = GlmStudyData.Create(kind, setting, config, config.Policy.Fgls.HoldoutFraction, si);
            if (kind == GlmKind.Linear) anchors[setting.Name] = LinearAnchorErrors(data);
            foreach (var method in config.Methods)
            {
                var t0 = sw.Elapsed;
                runs.Add(GlmStudyRunner.Run(data, config, method));
                progress?.Invoke($"{setting.Name} / {method}: {(sw.Elapsed - t0).TotalSeconds:F1} s");
            }
        }
        return new GlmStudyResult(kind, config, runs, anchors, sw.Elapsed);
    }

    /// <summary>‖θ̂−θ*‖² per seed of OLS and oracle GLS on the training split (the estimators SGD converges to).</summary>
    private static Dictionary<string, double[]> LinearAnchorErrors(GlmStudyData data)
    {
        using var scope = NewDisposeScope();
        var ols = LinearAnchors.Ols(data.TrainX, data.TrainY);
        var gls = LinearAnchors.OracleGls(data.TrainX, data.TrainY, data.Setting.Noise!);
        return new()
        {
            ["ols"] = (ols - data.ThetaStar).pow(2).sum(1).data<double>().ToArray(),
            ["gls"] = (gls - data.ThetaStar).pow(2).sum(1).data<double>().ToArray(),
        };
    }
}
