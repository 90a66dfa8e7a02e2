using GanSharp.Data;

namespace GanSharp.Training;

/// <summary>
/// A model family (`gansharp train NAME`): it owns its parts — how its <see cref="GanSystem"/> (networks,
/// optimizer groups, phases, losses) is built from options, the batch fields it requires, its architectures, how an
/// architecture is chosen for the data, its default preset and thread policy, and (through the system) its progress
/// grid inputs and the state it keeps in checkpoints. Found by name in <see cref="GanFamilies"/>: a family in the
/// GanSharp assembly is discovered by reflection (a public parameterless constructor); one defined elsewhere is
/// registered with one call to <see cref="GanFamilies.Register"/>. Nothing else in the engine names a family.
/// </summary>
public interface IGanFamily
{
    /// <summary>The model name on the command line (e.g. "dcgan").</summary>
    string Name { get; }
    string Description { get; }

    /// <summary>Builds the system for examples of <paramref name="exampleShape"/>; <paramref name="numClasses"/> is the dataset's label count (0: none).</summary>
    GanSystem Create(GanOptions options, long[] exampleShape, int numClasses);

    /// <summary>
    /// The batch fields the family trains on, each as alternatives ("image|points": either). A dataset lacking one
    /// is refused before anything is created.
    /// </summary>
    IReadOnlyList<string> RequiredFields => new[] { BatchFields.Image };

    /// <summary>The family's named presets (partial option objects in options.json's kebab-case keys), for `--preset`.</summary>
    IReadOnlyDictionary<string, (string Description, string Json)> Presets => new Dictionary<string, (string, string)>();

    /// <summary>The architectures this family builds (name, description), for `gansharp list` and validation.</summary>
    IReadOnlyList<(string Name, string Description)> Architectures => Array.Empty<(string, string)>();

    /// <summary>The architecture the options name, or the one that fits the data (throws one line when none fits).</summary>
    string ResolveArch(GanOptions options, long[] exampleShape);

    /// <summary>Torch threads when --threads is not given (tiny per-op-bound models run best on one).</summary>
    int DefaultThreads(GanOptions options) => Environment.ProcessorCount;

    /// <summary>The preset `train NAME [--data DATA] [--arch ARCH]` applies when neither a preset nor a config is given, or null.</summary>
    string? DefaultPreset(string? data, string? arch) => null;

    /// <summary>
    /// The family's data adapter: turns the dataset the options name into what it trains on (e.g. paired tasks made
    /// from a folder of photos) and, when it needs one, a held-out part for progress grids and evaluation. Either
    /// returned dataset may be <paramref name="data"/> itself; otherwise the caller disposes <paramref name="data"/>.
    /// </summary>
    (TensorDataset Train, TensorDataset? HeldOut) AdaptData(TensorDataset data, GanOptions options, Action<string>? log) => (data, null);

    /// <summary>True when the progress grid and evaluation take inputs from held-out data (conditioned on images or text).</summary>
    bool NeedsHeldOut => false;

    /// <summary>
    /// True when <see cref="AdaptData"/> reads --data itself (e.g. random crops of large photos in a folder): the
    /// engine then does not load --data as a dataset first, and passes an empty placeholder dataset named after it.
    /// </summary>
    bool ReadsDataItself => false;

    /// <summary>The family's own options (flags, config keys; values in <see cref="GanOptions.Extra"/>, read with <see cref="GanOptions.Get{T}"/>).</summary>
    IReadOnlyList<OptionSpec> Options => Array.Empty<OptionSpec>();

    /// <summary>
    /// True when the family's system runs on any --device (networks, batches, latents and every tensor it makes are
    /// placed on <see cref="GanSystem.Device"/>). Families that are not are trained on the CPU: --device auto picks
    /// the CPU for them and --device cuda is one clear error.
    /// </summary>
    bool RunsOnAnyDevice => false;

    /// <summary>Observers a run of this family adds to the standard ones (e.g. a picture per resolution of a growing G).</summary>
    IEnumerable<ITrainingObserver> RunObservers(RunDirectory run, GanSystem system) => Array.Empty<ITrainingObserver>();
}

/// <summary>Every <see cref="IGanFamily"/> in the GanSharp assembly, plus those registered, by name.</summary>
public static class GanFamilies
{
    private static readonly Dictionary<string, IGanFamily> _all =
        typeof(IGanFamily).Assembly.GetTypes()
            .Where(t => typeof(IGanFamily).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (IGanFamily)Activator.CreateInstance(t)!)
            .ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static IReadOnlyDictionary<string, IGanFamily> All { get { lock (_all) return new Dictionary<string, IGanFamily>(_all); } }

    /// <summary>Registers a family defined outside the library (one line in its own file); registering the same type again is a no-op.</summary>
    public static void Register(IGanFamily family)
    {
        lock (_all)
        {
            if (_all.TryGetValue(family.Name, out var existing))
            {
                if (existing.GetType() == family.GetType()) return;
                throw new ArgumentException($"a model family named '{family.Name}' is already registered");
            }
            _all[family.Name] = family;
        }
    }

    /// <summary>The device a system of <paramref name="model"/> runs on for --device <paramref name="kind"/>.</summary>
    public static TorchSharp.torch.Device DeviceFor(string model, DeviceKind kind)
    {
        IGanFamily? family;
        lock (_all) _all.TryGetValue(model, out family);
        return family is null ? Devices.Resolve(kind) : DeviceFor(family, kind);
    }

    /// <summary>The device a system of <paramref name="family"/> runs on: the CPU for families that cannot move (auto), one clear error for cuda.</summary>
    public static TorchSharp.torch.Device DeviceFor(IGanFamily family, DeviceKind kind)
    {
        if (family.RunsOnAnyDevice || kind == DeviceKind.Cpu) return Devices.Resolve(kind);
        if (kind == DeviceKind.Auto) return TorchSharp.torch.CPU;
        string ready = string.Join(", ", All.Values.Where(f => f.RunsOnAnyDevice).Select(f => f.Name).Order(StringComparer.Ordinal));
        throw new DeviceUnavailableException($"--device {kind.ToString().ToLowerInvariant()}: '{family.Name}' runs on the CPU only (families that run on any device: {ready}); use --device cpu");
    }

    public static IGanFamily Get(string name)
    {
        lock (_all)
            return _all.TryGetValue(name, out var f) ? f
                : throw new ArgumentException($"unknown model '{name}': use one of {string.Join(", ", _all.Keys.Order(StringComparer.Ordinal))}");
    }

    /// <summary>Builds the system the options name (seeding the global torch generator with the run's seed first).</summary>
    public static GanSystem Create(GanOptions options, long[] exampleShape, int numClasses) =>
        Get(options.Model).Create(options, exampleShape, numClasses);

    /// <summary>Throws one line unless the dataset provides every field the family requires.</summary>
    public static void CheckFields(IGanFamily family, GanSharp.Data.TensorDataset data)
    {
        foreach (var required in family.RequiredFields)
        {
            var alternatives = required.Split('|');
            if (!alternatives.Any(data.Fields.Contains))
                throw new ArgumentException($"the {family.Name} model needs '{required.Replace("|", "' or '")}' in each example, but '{data.Name}' provides {string.Join(", ", data.Fields.Select(f => $"'{f}'"))}");
        }
    }

    /// <summary>Torch threads for a run: --threads, else the family's policy (one for per-op-bound MLPs).</summary>
    public static int DefaultThreads(GanOptions o) => o.Threads > 0 ? o.Threads : Get(o.Model).DefaultThreads(o);

    /// <summary>Every family's architectures (for `gansharp list` and option validation).</summary>
    public static IReadOnlyList<(string Name, string Description)> Architectures =>
        All.Values.SelectMany(f => f.Architectures).DistinctBy(a => a.Name).ToList();
}

