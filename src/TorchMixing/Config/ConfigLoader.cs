using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TorchMixing.Config;

/// <summary>
/// Loads typed configuration records from JSON, then applies command-line overrides (<c>--set model.layers=4</c>),
/// like nanoGPT's configurator: the file gives defaults for an experiment, the command line tweaks one run.
/// Unknown fields are errors (a typo must not silently fall back to a default), and every message names the file
/// and the field.
/// </summary>
public static class ConfigLoader
{
    /// <summary>snake_case on disk, unknown members rejected, enums as strings, comments and trailing commas allowed.</summary>
    public static readonly JsonSerializerOptions Options = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var o = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            WriteIndented = true,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        // Names only: an integer would be cast to the enum unchecked ("mode": -1 is no mode at all).
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        return o;
    }

    public static T Load<T>(string path, IEnumerable<string>? overrides = null) where T : class
    {
        if (Directory.Exists(path))
            throw new UserInputException($"{path}: is a directory, not a config file (pass a .json file, e.g. experiments/lm-uniform.json).");
        if (!File.Exists(path))
            throw new UserInputException($"{path}: config file not found.");
        JsonNode? node;
        try
        {
            var documentOptions = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
            string text = File.ReadAllText(path);
            using (var doc = JsonDocument.Parse(text, documentOptions)) RefuseDuplicateKeys(doc.RootElement, path, "");
            node = JsonNode.Parse(text, documentOptions: documentOptions);
        }
        catch (JsonException e)
        {
            throw new UserInputException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{path}: cannot read the config file ({e.Message}).", e);
        }
        if (node is not JsonObject obj)
            throw new UserInputException($"{path}: expected a JSON object at the top level.");
        return FromNode<T>(obj, path, overrides);
    }

    /// <summary>Defaults of <typeparamref name="T"/> plus overrides, for commands run without a config file.</summary>
    public static T FromDefaults<T>(T defaults, IEnumerable<string>? overrides, string source = "command line") where T : class
    {
        var obj = JsonSerializer.SerializeToNode(defaults, Options)!.AsObject();
        return FromNode<T>(obj, source, overrides);
    }

    public static T FromNode<T>(JsonObject obj, string source, IEnumerable<string>? overrides) where T : class
    {
        foreach (var o in overrides ?? [])
            ApplyOverride(obj, o);
        try
        {
            return obj.Deserialize<T>(Options) ?? throw new UserInputException($"{source}: empty configuration.");
        }
        catch (JsonException e)
        {
            string field = string.IsNullOrEmpty(e.Path) ? "" : $" at '{e.Path.TrimStart('$', '.')}'";
            throw new UserInputException($"{source}: invalid configuration{field}: {Clean(e.Message)}", e);
        }
    }

    /// <summary>
    /// A key given twice is refused: JSON parsers disagree on which copy wins, so the file would not say what runs.
    /// </summary>
    private static void RefuseDuplicateKeys(JsonElement e, string path, string at)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in e.EnumerateObject())
            {
                string field = at.Length == 0 ? p.Name : $"{at}.{p.Name}";
                if (!seen.Add(p.Name)) throw new UserInputException($"{path}: {field} is given twice; keep one.");
                RefuseDuplicateKeys(p.Value, path, field);
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var item in e.EnumerateArray()) RefuseDuplicateKeys(item, path, $"{at}[{i++}]");
        }
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Applies one <c>a.b.c=value</c> override; the value is parsed as JSON when it can be, else taken as a string.</summary>
    public static void ApplyOverride(JsonObject root, string assignment)
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0)
            throw new UserInputException($"override '{assignment}': expected key=value (e.g. train.steps=200).");
        string[] keys = assignment[..eq].Trim().Split('.');
        string raw = assignment[(eq + 1)..];
        JsonNode? value;
        try { value = JsonNode.Parse(raw); }
        catch (JsonException) { value = JsonValue.Create(raw); }

        JsonObject cur = root;
        for (int i = 0; i < keys.Length - 1; i++)
        {
            if (cur[keys[i]] is JsonObject child) { cur = child; continue; }
            if (cur[keys[i]] is null) { child = new JsonObject(); cur[keys[i]] = child; cur = child; continue; }
            throw new UserInputException($"override '{assignment}': '{string.Join('.', keys[..(i + 1)])}' is not an object.");
        }
        cur[keys[^1]] = value;
    }

    private static string Clean(string message)
    {
        // System.Text.Json appends "Path: $.x | LineNumber..." which we already report in our own words.
        int i = message.IndexOf(" Path:", StringComparison.Ordinal);
        return i > 0 ? message[..i] : message;
    }
}
