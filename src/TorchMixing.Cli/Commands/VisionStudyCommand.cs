using System.CommandLine;
using TorchMixing.Config;
using TorchMixing.Data.Images;
using TorchMixing.Reporting;
using TorchMixing.Runtime;
using TorchMixing.Studies;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix study vision`: clean vs noisy-label domains of Fashion-MNIST or MNIST (config field dataset), a small MLP,
/// uniform/ERMA/VA/ERMA+VA. Installs Debian's dataset-fashion-mnist when missing and running as root (otherwise prints
/// the command to run); MNIST's IDX files come from the user's data_dir.
/// </summary>
public static class VisionStudyCommand
{
    public static Command Create()
    {
        var config = StudyCommand.ConfigOption("vision");
        var set = StudyCommand.SetOption();
        var out_ = StudyCommand.OutOption("vision");
        var threads = StudyCommand.ThreadsOption();
        var cmd = new Command("vision", "Label-noise images (paper Fig. 3; Fashion-MNIST or MNIST, config field dataset): uniform, ERMA, VA, ERMA+VA; clean test accuracy.")
            { config, set, out_, threads };
        cmd.SetAction(pr =>
        {
            string path = pr.GetValue(config) ?? StudyCommand.FindExperiment("vision.json");
            var cfg = ConfigLoader.Load<VisionStudyConfig>(path, pr.GetValue(set) ?? []).Validated(path);
            string dir = pr.GetValue(out_) ?? StudyCommand.DefaultOut("vision");
            TorchRuntime.Initialize(StudyCommand.Threads(pr.GetValue(threads)));
            var data = IdxImageDataset.Load(cfg.Dataset, cfg.DataDir, cfg.InstallIfMissing, Terminal.Info);
            cfg.CheckFits(data, path);
            Terminal.Info($"vision: {path}, {data.Name} from {cfg.DataDir}, {cfg.Methods.Length} method(s) × {cfg.Seeds} seeds × {cfg.Steps} steps");
            var result = VisionStudy.Run(cfg, data, line => Terminal.Info("  " + line));
            VisionStudyReport.Write(dir, result);
            Terminal.Info(VisionStudyReport.Summary(result));
            Terminal.Info($"wrote {dir} in {result.Elapsed.TotalSeconds:F0} s");
            return 0;
        });
        return cmd;
    }
}
