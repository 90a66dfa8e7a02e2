using System.Text.Json.Nodes;
using GanSharp.Models;
using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>Generates samples from a checkpoint alone: the checkpoint names its family, options and shapes.</summary>
public sealed class Sampler : IDisposable
{
    private Sampler(GanSystem system, JsonObject header)
    {
        System = system;
        Header = header;
    }

    public GanSystem System { get; }
    public JsonObject Header { get; }
    public int Step => Header["step"]!.GetValue<int>();
    public GanOptions Options => System.Options;

    /// <summary>
    /// Loads the generator from a checkpoint file or a run directory (its latest checkpoint) onto
    /// <paramref name="device"/> (the CPU unless asked: a checkpoint trained on either device loads on either).
    /// </summary>
    public static Sampler Load(string checkpointOrRun, DeviceKind device = DeviceKind.Cpu)
    {
        string path = RunDirectory.ResolveCheckpoint(checkpointOrRun);
        var (header, tensors) = CheckpointFile.Load(path);
        try
        {
            var typed = CheckpointHeader.Parse(header, path);
            var options = GanOptions.FromJson(typed.Options.ToJsonString());
            options.Device = device;                        // where it was trained does not matter here
            var system = GanFamilies.Create(options, typed.ExampleShape, typed.NumClasses);
            system.RestoreState(typed.FamilyState, tensors);
            foreach (var n in system.Networks)
            {
                // With --ema the average of G's weights is what the run samples with.
                string ema = n.Name + "ema.";
                bool averaged = n.Name == system.EmaNetwork && tensors.Keys.Any(k => k.StartsWith(ema, StringComparison.Ordinal));
                Trainer.LoadModule(n.Module, averaged ? ema : n.Name + ".", tensors);
                n.Module.eval();
            }
            system.WeightsChanged();
            if (system.Knobs.ChannelsLast) Performance.ChannelsLast.Convert(system.G);
            return new Sampler(system, header);
        }
        catch (Exception e) when (e is global::System.Text.Json.JsonException or NullReferenceException or InvalidOperationException or ArgumentException and not DeviceUnavailableException)
        {
            throw new CheckpointException($"checkpoint '{path}' has an invalid header ({e.Message})");
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>
    /// n samples (images in [-1, 1], on the CPU) from latents drawn with a generator seeded by <paramref name="seed"/>.
    /// Conditional families take <paramref name="condition"/> (e.g. class labels, length n); null draws one.
    /// </summary>
    public Tensor Sample(int n, long seed, Tensor? condition = null)
    {
        using var g = new Generator((ulong)ShuffledBatches.MixSeed(seed, -3));
        using var scope = NewDisposeScope();
        var z = System.SampleLatent(n, g);
        var c = condition?.On(System.Device) ?? System.SampleCondition(n, g);
        return SampleGrids.Sample(System, z, c).OnCpu().MoveToOuterDisposeScope();
    }

    public void Dispose() => System.Dispose();
}
