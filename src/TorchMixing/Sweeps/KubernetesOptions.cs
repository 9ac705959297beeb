namespace TorchMixing.Sweeps;

/// <summary>What <c>torchmix sweep --emit k8s</c> puts in the Indexed Job manifest.</summary>
public sealed record KubernetesOptions
{
    /// <summary>Container image holding the torchmix CLI (and, for catalog data, the corpora).</summary>
    public string Image { get; init; } = "torchmix:latest";

    /// <summary>The command that starts the CLI inside the image.</summary>
    public string[] Command { get; init; } = ["torchmix"];

    /// <summary>A ReadWriteMany PersistentVolumeClaim shared by all pods: it holds the sweep folder (null: none, an emptyDir — only for trying it out).</summary>
    public string? VolumeClaim { get; init; }

    /// <summary>Where the claim is mounted, and the working directory of every pod.</summary>
    public string MountPath { get; init; } = "/sweep";

    /// <summary>Memory request and limit per pod, e.g. "4Gi".</summary>
    public string Memory { get; init; } = "4Gi";

    public string? Namespace { get; init; }
}
