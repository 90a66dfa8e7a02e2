using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using GanSharp.Models;

namespace GanSharp.Training;

/// <summary>
/// Declares a <see cref="GanOptions"/> property as an option: its help text and which families use it. The key
/// (the flag <c>--key</c>, the config/sweep key and the options.json key) is the property's kebab-case JSON name,
/// the type is the property's, the default its initializer. Adding an option = adding one annotated property.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OptionAttribute(string help) : Attribute
{
    /// <summary>The help text (<c>gansharp train --help</c>, <c>gansharp list options</c>); <c>{choices}</c> is replaced by the accepted values.</summary>
    public string Help { get; } = help;

    /// <summary>The model families that read the option; null: every family. Setting it for another family is an error.</summary>
    public string[]? Families { get; set; }

    /// <summary>Accepted values of a string option (enums accept their member names without this).</summary>
    public string[]? Choices { get; set; }

    /// <summary>
    /// The flag's name when it differs from the key (also accepted as a config/sweep key). A bool option with a
    /// <see cref="Flag"/> takes a word: <see cref="FlagValues"/> names its true and its false value
    /// (<c>--batches separate|joint</c> for <c>separate-batches</c>).
    /// </summary>
    public string? Flag { get; set; }

    /// <summary>With <see cref="Flag"/> on a bool option: the words for true and false, in that order.</summary>
    public string[]? FlagValues { get; set; }

    /// <summary>Names the option had in older options.json files and checkpoint headers; read as this option.</summary>
    public string[]? LegacyKeys { get; set; }

    /// <summary>The option is a positional argument of <c>gansharp train</c> (the model), not a flag.</summary>
    public bool Positional { get; set; }
}

/// <summary>
/// One option, declared once: the flag of <c>gansharp train</c>, the key of <c>--config</c> files, sweep files
/// and options.json, and a row of <c>gansharp list options</c> all come from it. Core options come from the
/// <see cref="OptionAttribute"/>s of <see cref="GanOptions"/>; a family declares its own in
/// <see cref="IGanFamily.Options"/> (made with <see cref="Of{T}"/>), whose values live in
/// <see cref="GanOptions.Extra"/> and are read with <see cref="GanOptions.Get{T}"/>.
/// </summary>
public sealed record OptionSpec
{
    /// <summary>A user's value quoted in a one-line message: control characters (newlines) shown as '?'.</summary>
    private static string OneLine(string value) => new(value.Select(c => char.IsControl(c) ? '?' : c).ToArray());

    /// <summary>Kebab-case name: the options.json and config key, and the flag unless <see cref="Flag"/> differs.</summary>
    public required string Key { get; init; }

    /// <summary>Value type: bool, bool?, int, long, double, string, string?, double[] or an enum.</summary>
    public required Type Type { get; init; }

    /// <summary>The default as JSON (null for a null default).</summary>
    public JsonNode? Default { get; init; }

    public required string Help { get; init; }

    /// <summary>Families that read the option; null: all. Family-declared options default to their family.</summary>
    public IReadOnlyList<string>? Families { get; init; }

    /// <summary>Accepted values of a string option, or (lazily, e.g. the registered architectures) a source of them.</summary>
    public Func<IReadOnlyList<string>>? ChoicesSource { get; init; }

    /// <summary>The command-line name (without --) when it differs from <see cref="Key"/>.</summary>
    public string? FlagName { get; init; }

    /// <summary>For a bool option with a <see cref="FlagName"/>: the words meaning true and false.</summary>
    public IReadOnlyList<string>? FlagValues { get; init; }

    public IReadOnlyList<string> LegacyKeys { get; init; } = Array.Empty<string>();

    public bool Positional { get; init; }

    /// <summary>The <see cref="GanOptions"/> property of a core option; null for a family-declared one.</summary>
    public PropertyInfo? Property { get; init; }

    /// <summary>The flag, without the leading dashes.</summary>
    public string Flag => FlagName ?? Key;

    public bool IsFamilyOption => Property is null;

    /// <summary>The values a string or enum option accepts (enums: kebab-case and lower-case member names); null: any.</summary>
    public IReadOnlyList<string>? Choices
    {
        get
        {
            if (ChoicesSource is not null) return ChoicesSource();
            var t = Nullable.GetUnderlyingType(Type) ?? Type;
            if (!t.IsEnum) return null;
            return Enum.GetNames(t).SelectMany(n => new[] { JsonNamingPolicy.KebabCaseLower.ConvertName(n), n.ToLowerInvariant() })
                .Distinct(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>The values to name in help and messages (enums: their kebab-case names, as options.json writes them).</summary>
    public IReadOnlyList<string>? DisplayChoices
    {
        get
        {
            var t = Nullable.GetUnderlyingType(Type) ?? Type;
            return t.IsEnum ? Enum.GetNames(t).Select(JsonNamingPolicy.KebabCaseLower.ConvertName).ToList() : Choices;
        }
    }

    /// <summary>The help text with <c>{choices}</c> filled in.</summary>
    public string Description => Help.Contains("{choices}", StringComparison.Ordinal)
        ? Help.Replace("{choices}", string.Join(", ", DisplayChoices ?? Array.Empty<string>()), StringComparison.Ordinal)
        : Help;

    /// <summary>A family-declared option (its <see cref="Families"/> become the declaring family when left null).</summary>
    public static OptionSpec Of<T>(string key, T defaultValue, string help, params string[] choices) => new()
    {
        Key = key,
        Type = typeof(T),
        Default = JsonSerializer.SerializeToNode(defaultValue, GanOptions.Json),
        Help = help,
        ChoicesSource = choices.Length > 0 ? () => choices : null,
    };

    /// <summary>The JSON value a flag word stands for (<see cref="FlagValues"/>), or null when it is no such word.</summary>
    public JsonNode? FromFlagWord(string word) =>
        FlagValues is { Count: 2 } w && w.Contains(word) ? JsonValue.Create(word == w[0]) : null;

    /// <summary>
    /// Checks one JSON value against the option's type and choices; returns it as stored (a flag word such as
    /// <c>"joint"</c> becomes <c>false</c>). Throws one line naming the option and <paramref name="source"/>.
    /// </summary>
    public JsonNode? Check(JsonNode? value, string source)
    {
        if (FlagValues is not null && value is JsonValue wv && wv.TryGetValue<string>(out var word))
            return FromFlagWord(word) ?? throw new ArgumentException(
                $"\"{Flag}\" must be \"{string.Join("\" or \"", FlagValues)}\" (got {value.ToJsonString()}) in {source}");
        // Enum values: the command line's lower-case words (nonsaturating) are stored as options.json writes them (non-saturating).
        var t = Nullable.GetUnderlyingType(Type) ?? Type;
        if (t.IsEnum && value is JsonValue ev && ev.TryGetValue<string>(out var name)
            && Enum.GetNames(t).FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase)) is { } member)
            value = JsonValue.Create(JsonNamingPolicy.KebabCaseLower.ConvertName(member));
        if (Choices is { } choices && value is JsonValue v && v.TryGetValue<string>(out var s) && !(s == "" && Default?.ToString() == "") && !choices.Contains(s))
            throw new ArgumentException($"unknown value '{OneLine(s)}' for option '{Key}' in {source}: use {string.Join(", ", DisplayChoices!)}");
        try
        {
            JsonSerializer.Deserialize(value, Type, GanOptions.Json);
        }
        catch (JsonException)
        {
            throw new ArgumentException($"option '{Key}' in {source} must be {TypeName()} (got {value?.ToJsonString() ?? "null"})");
        }
        return value?.DeepClone();
    }

    /// <summary>The type in words, for messages and <c>gansharp list options</c>.</summary>
    public string TypeName()
    {
        var t = Nullable.GetUnderlyingType(Type) ?? Type;
        if (FlagValues is not null) return string.Join("|", FlagValues);
        if (DisplayChoices is { } c) return string.Join("|", c);
        string name = t == typeof(bool) ? "true|false" : t == typeof(int) || t == typeof(long) ? "an integer"
            : t == typeof(double) ? "a number" : t == typeof(string) ? "a string"
            : t == typeof(double[]) ? $"{(Default as JsonArray)?.Count ?? 2} numbers" : t.Name;
        return Type == typeof(bool?) ? "true|false|null (auto)" : name;
    }
}

/// <summary>
/// Every option: <see cref="GanOptions"/>' annotated properties in declaration order, then each registered
/// family's <see cref="IGanFamily.Options"/>. Looks options up by key, flag name and legacy key.
/// </summary>
public sealed class OptionCatalog
{
    private static readonly Lazy<IReadOnlyList<OptionSpec>> _core = new(BuildCore);
    private readonly Dictionary<string, OptionSpec> _byName = new(StringComparer.Ordinal);

    private OptionCatalog(IReadOnlyList<OptionSpec> options, IReadOnlyList<IGanFamily> families)
    {
        Options = options;
        Families = families;
        foreach (var o in options)
            foreach (var name in new[] { o.Key }.Concat(o.FlagName is null ? [] : [o.FlagName]).Concat(o.LegacyKeys))
                if (!_byName.TryAdd(name, o))
                    throw new InvalidOperationException($"option name '{name}' is declared twice ({_byName[name].Key} and {o.Key})");
    }

    /// <summary>Core options first (declaration order), then family options.</summary>
    public IReadOnlyList<OptionSpec> Options { get; }

    /// <summary>The families whose options are in the catalog (the models <c>gansharp train</c> accepts).</summary>
    public IReadOnlyList<IGanFamily> Families { get; }

    private static (IGanFamily[] Families, OptionCatalog Catalog)? _default;

    /// <summary>The catalog of <see cref="GanOptions"/> and the families in <see cref="GanFamilies.All"/> (rebuilt when one is registered).</summary>
    public static OptionCatalog Default
    {
        get
        {
            var all = GanFamilies.All.Values.OrderBy(f => f.Name, StringComparer.Ordinal).ToArray();
            var cached = _default;
            if (cached is { } c && c.Families.SequenceEqual(all, ReferenceEqualityComparer.Instance)) return c.Catalog;
            var catalog = For(all);
            _default = (all, catalog);
            return catalog;
        }
    }

    /// <summary>The core options and those of <paramref name="families"/> (e.g. a family defined in a test).</summary>
    public static OptionCatalog For(IEnumerable<IGanFamily> families)
    {
        var list = new List<OptionSpec>(_core.Value);
        var sorted = families.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        foreach (var f in sorted)
            foreach (var o in f.Options)
            {
                if (o.Property is not null) throw new InvalidOperationException($"family {f.Name} declares option '{o.Key}' with a GanOptions property");
                int i = list.FindIndex(x => x.Key == o.Key);
                if (i < 0) { list.Add(o.Families is null ? o with { Families = [f.Name] } : o); continue; }
                // Two families may declare the same option if they agree on it; it is then used by both.
                var prev = list[i];
                if (!prev.IsFamilyOption || prev.Type != o.Type || !JsonNode.DeepEquals(prev.Default, o.Default))
                    throw new InvalidOperationException($"family {f.Name} declares option '{o.Key}', which is already declared {(prev.IsFamilyOption ? "with another type or default" : "by GanOptions")}");
                list[i] = prev with { Families = prev.Families!.Concat(o.Families ?? [f.Name]).Distinct().ToList() };
            }
        // --arch accepts the architectures of these families.
        int arch = list.FindIndex(x => x.Key == "arch");
        list[arch] = list[arch] with { ChoicesSource = () => sorted.SelectMany(f => f.Architectures).Select(a => a.Name).Distinct().ToList() };
        return new OptionCatalog(list, sorted);
    }

    /// <summary>The option a key, flag name or legacy key names; null when none does.</summary>
    public OptionSpec? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>
    /// The architectures <c>--arch</c> accepts, with their descriptions: every family's
    /// (<see cref="IGanFamily.Architectures"/>), the one list behind validation, the flag's choices and <c>gansharp list</c>.
    /// </summary>
    public IReadOnlyList<(string Name, string Description)> Architectures() =>
        Families.SelectMany(f => f.Architectures).DistinctBy(a => a.Name).ToList();

    private static IReadOnlyList<OptionSpec> BuildCore()
    {
        var defaults = JsonSerializer.SerializeToNode(new GanOptions(), GanOptions.Json)!.AsObject();
        var list = new List<OptionSpec>();
        foreach (var p in typeof(GanOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken))
        {
            if (p.GetCustomAttribute<JsonIgnoreAttribute>() is not null) continue;
            var a = p.GetCustomAttribute<OptionAttribute>()
                ?? throw new InvalidOperationException($"GanOptions.{p.Name} has no [Option] attribute: every option is declared with its help text");
            string key = p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? GanOptions.Json.PropertyNamingPolicy!.ConvertName(p.Name);
            var choices = a.Choices;
            list.Add(new OptionSpec
            {
                Key = key,
                Type = p.PropertyType,
                Default = defaults[key]?.DeepClone(),
                Help = a.Help,
                Families = a.Families,
                ChoicesSource = choices is null ? null : () => choices,
                FlagName = a.Flag,
                FlagValues = a.FlagValues,
                LegacyKeys = a.LegacyKeys ?? Array.Empty<string>(),
                Positional = a.Positional,
                Property = p,
            });
        }
        return list;
    }

    /// <summary>The default options as JSON, with the defaults of <paramref name="model"/>'s family options.</summary>
    public JsonObject Defaults(string? model)
    {
        var o = new GanOptions().ToJsonObject();
        foreach (var s in Options)
            if (s.IsFamilyOption && (model is null || s.Families!.Contains(model)))
                o[s.Key] = s.Default?.DeepClone();
        return o;
    }
}
