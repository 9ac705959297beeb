using TorchMixing.Cli;

// `torchmix`: the command tree is TorchmixRoot; CliHost runs it with the one error policy (exit codes 0/1/2/3).
return CliHost.Run(TorchmixRoot.Create(), args);
