using System.Text.Json;
using System.Text.Json.Nodes;
using TorchMixing.IO;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchMixing.Training;

/// <summary>
/// Checkpoints as directories <c>checkpoints/step-00000123/</c> holding <c>model.bin</c>, <c>optimizer.bin</c>,
/// <c>state.json</c> and <c>checksums.json</c> (the SHA-256 of the other three, written last). Each is built under a
/// temporary name and renamed into place (AtomicFile.WriteDirectory), so a crash mid-write leaves the previous
/// checkpoints as they were; only then are the oldest beyond the last N deleted. The checksums catch what the rename
/// cannot: bytes changed later on disk (a bad sector, a stray write), which would otherwise load as a model with
/// wrong weights and no error.
/// </summary>
public static class Checkpoint
{
    private const string Prefix = "step-";
    public const string ChecksumFile = "checksums.json";
    private static readonly string[] Files = ["model.bin", "optimizer.bin", "state.json"];
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static string Directory(string runDirectory) => Path.Combine(runDirectory, "checkpoints");

    public static string Save(string runDirectory, nn.Module model, OptimizerHelper optimizer, TrainerState state, int keep)
    {
        string root = Directory(runDirectory);
        string dir = Path.Combine(root, $"{Prefix}{state.Step:D8}");
        try
        {
            AtomicFile.WriteDirectory(dir, tmp =>
            {
                model.save(Path.Combine(tmp, "model.bin"));
                optimizer.save_state_dict(Path.Combine(tmp, "optimizer.bin"));
                File.WriteAllText(Path.Combine(tmp, "state.json"), JsonSerializer.Serialize(state, Json));
                var sums = new JsonObject();
                foreach (var f in Files) sums[f] = Sha256(Path.Combine(tmp, f));
                File.WriteAllText(Path.Combine(tmp, ChecksumFile), sums.ToJsonString(Json));
            });
            foreach (var old in List(runDirectory).SkipLast(Math.Max(1, keep)))
                System.IO.Directory.Delete(old, recursive: true);
        }
        catch (Exception e) when (EnvironmentException.IsFileSystemError(e))
        {
            var intact = List(runDirectory);
            string message = EnvironmentException.From(e, dir, "write this checkpoint").Message.TrimEnd('.');
            throw new EnvironmentException(message + (intact.Count > 0
                ? $"; the earlier checkpoints are intact ({Path.GetFileName(intact[^1])} the latest): free space or fix the folder, then --resume."
                : "; no checkpoint was written yet: fix the folder, then start again."), e);
        }
        return dir;
    }

    /// <summary>Complete checkpoint directories, oldest first (temporary ones from a crashed write are ignored).</summary>
    public static IReadOnlyList<string> List(string runDirectory)
    {
        string root = Directory(runDirectory);
        if (!System.IO.Directory.Exists(root)) return [];
        return System.IO.Directory.GetDirectories(root, Prefix + "*")
            .Where(d => Path.GetFileName(d).Length == Prefix.Length + 8 && long.TryParse(Path.GetFileName(d)[Prefix.Length..], out _))
            .Order(StringComparer.Ordinal).ToList();
    }

    public static string Sha256(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(f));
    }

    /// <summary>
    /// Compares every file with the SHA-256 recorded when the checkpoint was written; returns what is wrong, or null
    /// when intact. Checkpoints written before checksums existed have no <c>checksums.json</c> and are accepted.
    /// </summary>
    public static string? Verify(string checkpointDirectory)
    {
        foreach (var f in Files)
            if (!File.Exists(Path.Combine(checkpointDirectory, f))) return $"{f} is missing";
        string sumsPath = Path.Combine(checkpointDirectory, ChecksumFile);
        if (!File.Exists(sumsPath)) return null;
        JsonObject? sums;
        try { sums = JsonNode.Parse(File.ReadAllText(sumsPath)) as JsonObject; }
        catch (JsonException) { sums = null; }
        if (sums is null) return $"{ChecksumFile} is unreadable";
        foreach (var f in Files)
        {
            string? expected = sums[f] is JsonValue v && v.TryGetValue<string>(out var h) ? h : null;
            if (expected is null) return $"{ChecksumFile} has no checksum for {f}";
            if (!string.Equals(expected, Sha256(Path.Combine(checkpointDirectory, f)), StringComparison.OrdinalIgnoreCase))
                return $"{f} does not match its checksum (the file changed after it was written)";
        }
        return null;
    }

    /// <summary>Reads and checks <c>state.json</c>; a missing or unreadable file is the user's problem, named as such.</summary>
    public static TrainerState ReadState(string checkpointDirectory)
    {
        string path = Path.Combine(checkpointDirectory, "state.json");
        foreach (var f in new[] { "model.bin", "optimizer.bin", "state.json" })
            if (!File.Exists(Path.Combine(checkpointDirectory, f)))
                throw new UserInputException($"{checkpointDirectory}: corrupt checkpoint, {f} is missing.");
        TrainerState? state;
        try { state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new UserInputException($"{path}: corrupt checkpoint state ({e.Message}).", e); }
        if (state is null) throw new UserInputException($"{path}: corrupt checkpoint state (empty).");
        if (state.Format != TrainerState.CurrentFormat)
            throw new UserInputException($"{path}: checkpoint format {state.Format} is not supported (expected {TrainerState.CurrentFormat}).");
        return state;
    }

    /// <summary>Loads model and optimizer tensors; a shape or name mismatch is reported as a mismatched checkpoint.</summary>
    public static void LoadTensors(string checkpointDirectory, nn.Module model, OptimizerHelper optimizer)
    {
        try
        {
            model.load(Path.Combine(checkpointDirectory, "model.bin"), strict: true);
            optimizer.load_state_dict(Path.Combine(checkpointDirectory, "optimizer.bin"));
        }
        catch (Exception e) when (e is not UserInputException)
        {
            throw new UserInputException($"{checkpointDirectory}: checkpoint does not match this model/optimizer or is corrupt ({e.Message.Split('\n')[0]}).", e);
        }
    }

    /// <summary>Dotted paths where two configs differ (for the "resumed with a changed config" message).</summary>
    public static IReadOnlyList<string> Differences(JsonNode? a, JsonNode? b, string path = "")
    {
        if (a is JsonObject oa && b is JsonObject ob)
        {
            var keys = oa.Select(p => p.Key).Union(ob.Select(p => p.Key));
            return keys.SelectMany(k => Differences(oa[k], ob[k], path.Length == 0 ? k : $"{path}.{k}")).ToList();
        }
        return JsonNode.DeepEquals(a, b) ? [] : [path.Length == 0 ? "(root)" : path];
    }
}
