namespace TorchMixing.Tests.Reliability;

/// <summary>
/// The reliability tests run whole `torchmix` commands inside the test process, hundreds of them, many ending in an
/// exception half-way through set-up. libtorch keeps process-wide state (the global generator, thread pool, cached
/// scalars), and running these alongside the other test classes showed rare native errors that neither side shows
/// alone; so this collection runs by itself, after the parallel part of the suite.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class InProcessCliCollection
{
    public const string Name = "in-process torchmix";
}
