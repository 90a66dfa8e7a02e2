using GanSharp.Training;
using GanSharp.Data;
using GanSharp.Metrics;
using GanSharp.Models;
using static TorchSharp.torch;

namespace GanSharp.Runs;

/// <summary>
/// A training run bound to its run directory: builds the family's networks from the options, attaches the
/// standard observers (metrics log, sample grids, checkpoints) and resumes from the latest checkpoint.
/// </summary>
public sealed class TrainingRun : IDisposable
{
    private readonly SampleGrids _grids;
    private readonly TensorBoardLog? _tensorBoard;

    private TrainingRun(RunDirectory dir, GanOptions options, TensorDataset data, Action<string>? log, TensorDataset? heldOut)
    {
        Directory = dir;
        TrainingHealth.CheckInputs(data);                 // NaN/Inf in the data: refused before anything trains
        Threads = GanFamilies.DefaultThreads(options);
        set_num_threads(Threads);
        System = GanFamilies.Create(options, data.ExampleShape, data.NumClasses);
        // GANSHARP_BLAS: MKL's code path, chosen before the first matrix product of the process (docs/performance.md)
        Blas = Performance.BlasPath.Apply(Performance.BlasPath.FromEnvironment(),
            mlpOnly: System.Networks.All(n => !Performance.SpeedKnobs.IsConvolutional(n.Module)));
        if (heldOut is not null) System.AttachHeldOut(heldOut);
        Trainer = new Trainer(System, data);
        _grids = new SampleGrids(dir, System, TrueMeans(options));
        Checkpoints = new Checkpointer(dir);
        Trainer.Observers.Add(new MetricsLog(dir.MetricsPath));
        Trainer.Observers.Add(new TrainingHealth(options, dir.LatestCheckpoint)); // before grids and checkpoints: a fault writes neither
        Trainer.Observers.Add(_grids);
        Trainer.Observers.AddRange(GanFamilies.Get(options.Model).RunObservers(dir, System));
        Trainer.Observers.Add(Checkpoints);
        if (options.EvalEvery > 0)
        {
            var ctx = Evaluator.Context(System, new EvalSettings { Samples = options.EvalSamples, Seed = ShuffledBatches.MixSeed(options.Seed, -5) }, log);
            Eval = new EvalObserver(dir, ctx, MetricRegistry.Parse(options.Metrics));
            Trainer.Observers.Insert(Trainer.Observers.Count - 1, Eval); // before the checkpointer
        }
        if (options.Tensorboard)
        {
            _tensorBoard = new TensorBoardLog(dir);
            Trainer.Observers.Add(_tensorBoard);                        // last: it mirrors what the others wrote
        }
    }

    /// <summary>The MKL code path this process runs on (GANSHARP_BLAS), as recorded in options.json.</summary>
    public Performance.BlasState Blas { get; }

    /// <summary>The evaluation observer when eval-every is set.</summary>
    public EvalObserver? Eval { get; }

    public RunDirectory Directory { get; }
    public GanSystem System { get; }
    public Trainer Trainer { get; }
    public Checkpointer Checkpoints { get; }
    public int Threads { get; }

    /// <summary>
    /// Starts a new run in DIR/NAME (refused if it exists). <paramref name="heldOut"/>: held-out examples for the
    /// progress grids of families conditioned on images or text (<see cref="IGanFamily.NeedsHeldOut"/>).
    /// </summary>
    public static TrainingRun Create(GanOptions options, TensorDataset data, string dir, string name, Action<string>? log = null, TensorDataset? heldOut = null)
    {
        options.Validate();
        if (options.EvalEvery > 0) MetricRegistry.Parse(options.Metrics);
        var family = GanFamilies.Get(options.Model);
        GanFamilies.CheckFields(family, data);             // fail before creating anything
        family.ResolveArch(options, data.ExampleShape);
        GanFamilies.DeviceFor(options.Model, options.Device);   // a device that is not there: refused before the directory exists
        Performance.BlasPath.FromEnvironment();                  // a bad GANSHARP_BLAS: refused before the directory exists
        var run = RunDirectory.Create(dir, name, lockForWriting: true);   // one writer per run
        try
        {
            var tr = new TrainingRun(run, options, data, log, heldOut);
            run.WriteOptions(options, tr.Threads);
            return tr;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reopens a run directory with its own options (only <paramref name="steps"/> may be raised, and
    /// <paramref name="device"/> changed: a run started on a GPU can continue on the CPU and back) and restores the
    /// latest checkpoint; metrics logged after that checkpoint are dropped.
    /// </summary>
    public static TrainingRun Resume(string runRoot, TensorDataset data, int? steps = null, Action<string>? log = null, TensorDataset? heldOut = null,
        DeviceKind? device = null)
    {
        var run = RunDirectory.Open(runRoot);
        var options = run.ReadOptions();
        if (device is { } dev) options.Device = dev;                       // a run may move between machines
        if (steps is { } s)
        {
            if (s < options.Steps)
                throw new ArgumentException($"--steps {s} is below the run's {options.Steps}: steps can only be raised on resume");
            options.Steps = s;
        }
        GanFamilies.CheckFields(GanFamilies.Get(options.Model), data);
        run.LockForWriting();                                            // refused here leaves the run untouched
        TrainingRun tr;
        try
        {
            tr = new TrainingRun(run, options, data, log, heldOut);
        }
        catch
        {
            run.Dispose();
            throw;
        }
        string? latest = run.LatestCheckpoint();
        if (latest is not null)
        {
            var (header, tensors) = CheckpointFile.Load(latest);
            try
            {
                tr.Trainer.RestoreState(header, tensors);
            }
            finally
            {
                foreach (var t in tensors.Values) t.Dispose();
            }
        }
        run.TruncateMetrics(tr.Trainer.Step);
        run.WriteOptions(options, tr.Threads);
        return tr;
    }

    /// <summary>The training data the options name, as the family adapts it (<see cref="IGanFamily.AdaptData"/>).</summary>
    public static TensorDataset OpenData(GanOptions o, Action<string>? log = null)
    {
        var (train, heldOut) = OpenDataWithHeldOut(o, log);
        heldOut?.Dispose();
        return train;
    }

    /// <summary>
    /// The training data and, for families that take grid inputs from held-out data, the held-out examples: the
    /// dataset the options name (MNIST-style, 2-D mixture, a provider, or an image folder), passed through the
    /// family's data adapter (e.g. paired tasks made from a folder of photos, split by image), then doubled with
    /// x-flips when --mirror is on.
    /// </summary>
    public static (TensorDataset Train, TensorDataset? HeldOut) OpenDataWithHeldOut(GanOptions o, Action<string>? log = null)
    {
        var family = GanFamilies.Get(o.Model);
        var raw = family.ReadsDataItself
            ? new TensorDataset(o.Data, zeros(new long[] { 0, o.Channels, o.Size, o.Size }, ScalarType.Byte)) // cpu: an empty placeholder data set
            : Datasets.Open(o.Data, new DatasetOpenOptions
            {
                DataDir = o.DataDir,
                Size = o.Size,
                Channels = o.Channels,
                Resize = o.Resize,
                Seed = o.Seed,
                Count = o.DataCount > 0 ? o.DataCount : new DatasetOpenOptions().Count,
            }, log);
        var (train, heldOut) = family.AdaptData(raw, o, log);
        if (!ReferenceEquals(train, raw) && !ReferenceEquals(heldOut, raw)) raw.Dispose();
        if (o.Mirror)
        {
            var mirrored = GanSharp.Augment.Mirror.Apply(train);
            if (!ReferenceEquals(train, heldOut))
            {
                // The mirrored set has its own tensors but shares the attachments: free only the tensors.
                train.Data.Dispose();
                train.Labels?.Dispose();
                foreach (var t in train.ExtraFields.Values) t.Dispose();
            }
            train = mirrored;
        }
        return (train, heldOut);
    }

    /// <summary>The true mode centres drawn under 2-D samples (ring, grid), or null.</summary>
    public static (float[] X, float[] Y)? TrueMeans(GanOptions o)
    {
        if (o.Data is not ("ring" or "grid")) return null;
        using var m = GaussianMixture2D.Means(o.Data);
        return (m.select(1, 0).data<float>().ToArray(), m.select(1, 1).data<float>().ToArray()); // cpu: the CPU data set
    }

    /// <summary>Trains to the configured step count; true when complete, false when cancelled.</summary>
    /// <remarks>A numerical fault stops it with a <see cref="TrainingFaultException"/> (see <see cref="TrainingHealth"/>).</remarks>
    public bool Run(CancellationToken cancel = default)
    {
        try
        {
            return Trainer.Run(cancel);
        }
        catch (NonFiniteLossException e)
        {
            throw TrainingHealth.Explain(e, Trainer, Directory.LatestCheckpoint());
        }
    }

    public void Dispose()
    {
        _grids.Dispose();
        _tensorBoard?.Dispose();
        Eval?.Dispose();
        Trainer.Dispose();
        System.Dispose();
        Directory.Dispose();
    }
}
