namespace TorchMixing.Tests;

/// <summary>
/// Test classes that must not run alongside others: they pin exact numbers, and libtorch calls from other test
/// classes on other threads (thread-count changes, concurrent training runs) must not interleave with theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial: pinned numbers";
}
