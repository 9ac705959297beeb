using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TorchMixing.IO;

namespace TorchMixing.Sweeps;

/// <summary>
/// <c>torchmix sweep --emit k8s</c>: a Kubernetes Indexed Job (<c>completionMode: Indexed</c>) with one completion
/// per (configuration, seed) — pod i runs <c>torchmix sweep … --task $JOB_COMPLETION_INDEX</c> — and a plain Job for
/// the report, to apply once the first has completed. Every pod mounts one shared volume claim and works in it, so
/// paths are kept as given (relative to the working directory) and must lie on that volume.
/// </summary>
public static class KubernetesIndexedJob
{
    public const string JobFile = "job.yaml", ReportFile = "report-job.yaml";

    /// <summary>Writes k8s/job.yaml and k8s/report-job.yaml; returns their folder.</summary>
    public static string Write(SweepManifest manifest, SweepInvocation invocation)
    {
        var cfg = manifest.Plan.Config;
        var k = cfg.Kubernetes;
        string dir = Path.Combine(manifest.Directory, "k8s");
        string name = DnsName($"torchmix-{cfg.Name}");
        int n = manifest.Tasks.Count;
        var job = new StringBuilder();
        job.AppendLine($"# Sweep {cfg.Name}: {n} runs, one per completion index; written by `torchmix sweep --emit k8s`.");
        job.AppendLine("# kubectl apply -f job.yaml && kubectl wait --for=condition=complete --timeout=24h job/" + name + " && kubectl apply -f report-job.yaml");
        AppendJob(job, k, name, ShellQuote.Join(invocation.Arguments("--task")) + " \"$JOB_COMPLETION_INDEX\"", cfg.Threads,
                  indexed: (n, cfg.Jobs));
        var report = new StringBuilder();
        report.AppendLine($"# The report of sweep {cfg.Name} (report.md, plots, mixture.json); apply after job/{name} completed.");
        AppendJob(report, k, name + "-report", ShellQuote.Join(invocation.Arguments("--report")), 1, indexed: null);
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(Path.Combine(dir, JobFile), job.ToString());
        AtomicFile.WriteAllText(Path.Combine(dir, ReportFile), report.ToString());
        return dir;
    }

    private static void AppendJob(StringBuilder sb, KubernetesOptions k, string name, string command, int cpus,
                                  (int Completions, int Parallelism)? indexed)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("apiVersion: batch/v1");
        sb.AppendLine("kind: Job");
        sb.AppendLine("metadata:");
        sb.AppendLine($"  name: {Q(name)}");
        if (k.Namespace is { } ns) sb.AppendLine($"  namespace: {Q(ns)}");
        sb.AppendLine("spec:");
        if (indexed is { } ix)
        {
            sb.AppendLine("  completionMode: Indexed");
            sb.AppendLine(string.Create(inv, $"  completions: {ix.Completions}"));
            sb.AppendLine(string.Create(inv, $"  parallelism: {ix.Parallelism}"));
            // A failed pod is retried (it resumes from its checkpoint); per-index limits keep one bad run from using them all.
            sb.AppendLine("  backoffLimitPerIndex: 2");
        }
        else
        {
            sb.AppendLine("  backoffLimit: 2");
        }
        sb.AppendLine("  template:");
        sb.AppendLine("    spec:");
        sb.AppendLine("      restartPolicy: Never");
        sb.AppendLine("      containers:");
        sb.AppendLine("        - name: torchmix");
        sb.AppendLine($"          image: {Q(k.Image)}");
        sb.AppendLine($"          workingDir: {Q(k.MountPath)}");
        sb.AppendLine($"          command: [{Q("/bin/sh")}, {Q("-c")}, {Q("exec " + command)}]");
        sb.AppendLine("          resources:");
        sb.AppendLine("            requests:");
        sb.AppendLine(string.Create(inv, $"              cpu: {Q(cpus.ToString(inv))}"));
        sb.AppendLine($"              memory: {Q(k.Memory)}");
        sb.AppendLine("            limits:");
        sb.AppendLine(string.Create(inv, $"              cpu: {Q(cpus.ToString(inv))}"));
        sb.AppendLine($"              memory: {Q(k.Memory)}");
        sb.AppendLine("          volumeMounts:");
        sb.AppendLine("            - name: sweep");
        sb.AppendLine($"              mountPath: {Q(k.MountPath)}");
        sb.AppendLine("      volumes:");
        sb.AppendLine("        - name: sweep");
        if (k.VolumeClaim is { } claim)
        {
            sb.AppendLine("          persistentVolumeClaim:");
            sb.AppendLine($"            claimName: {Q(claim)}");
        }
        else
        {
            sb.AppendLine("          emptyDir: {}");
        }
    }

    /// <summary>A YAML double-quoted scalar (JSON string syntax is valid YAML).</summary>
    private static string Q(string s) => JsonValue.Create(s).ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>Kubernetes object names: lower-case letters, digits and '-', at most 63 characters.</summary>
    private static string DnsName(string s)
    {
        var t = new string(s.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        while (t.Contains("--")) t = t.Replace("--", "-");
        return t.Length <= 56 ? t : t[..56].TrimEnd('-');
    }
}
