using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.IO;

namespace GanSharp.Training;

/// <summary>
/// --tensorboard: mirrors the run into a TensorBoard event file in the run directory. Every number of each new
/// metrics.jsonl line becomes a scalar (losses, D outputs, gradient norms, seconds; evaluations as
/// <c>eval/METRIC</c>), and each sample grid PNG an image tagged <c>samples</c>. It reads what the other observers
/// wrote, so it runs after them; a resumed run starts a new file with a SessionLog START at its next step, which
/// makes TensorBoard drop the older file's events from that step on (metrics.jsonl drops them likewise).
/// </summary>
public sealed class TensorBoardLog(RunDirectory run, Func<double>? clock = null) : ITrainingObserver, IDisposable
{
    private TensorBoardWriter? _writer;
    private long _offset;
    private int _lastImageStep = -1;

    /// <summary>The event file, once training started.</summary>
    public string? EventFile => _writer?.FilePath;

    public void OnStart(Trainer trainer)
    {
        _writer ??= new TensorBoardWriter(run.Root, clock);
        _offset = File.Exists(run.MetricsPath) ? new FileInfo(run.MetricsPath).Length : 0;
        if (trainer.Step > 0) _writer.SessionStart(trainer.Step + 1);
    }

    public void OnStep(Trainer trainer, StepStats stats)
    {
        if (_writer is null) return;
        Flush(trainer.Step);
    }

    public void OnEnd(Trainer trainer, bool completed)
    {
        if (_writer is null) return;
        Flush(trainer.Step);
    }

    private void Flush(int step)
    {
        foreach (var line in NewLines())
        {
            if (line["step"] is not JsonValue sv || !sv.TryGetValue(out double s)) continue;
            var scalars = new List<(string, float)>();
            Flatten(line, "", scalars);
            _writer!.Scalars((long)s, scalars);
        }
        string png = Path.Combine(run.SamplesDir, $"step-{step:D6}.png");
        if (step != _lastImageStep && File.Exists(png))
        {
            _writer!.Image(step, "samples", File.ReadAllBytes(png));
            _lastImageStep = step;
        }
    }

    /// <summary>Numbers of a metrics line (nested objects joined with '/'; step, arrays and nulls left out).</summary>
    private static void Flatten(JsonObject o, string prefix, List<(string, float)> into)
    {
        foreach (var (key, node) in o)
        {
            if (prefix.Length == 0 && key == "step") continue;
            string tag = prefix + key;
            if (node is JsonObject child) Flatten(child, tag + "/", into);
            else if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number) into.Add((tag, (float)v.GetValue<double>()));
        }
    }

    /// <summary>Complete lines appended to metrics.jsonl since the last call.</summary>
    private List<JsonObject> NewLines()
    {
        var lines = new List<JsonObject>();
        if (!File.Exists(run.MetricsPath)) return lines;
        using var fs = new FileStream(run.MetricsPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (fs.Length <= _offset) return lines;
        fs.Seek(_offset, SeekOrigin.Begin);
        var bytes = new byte[fs.Length - _offset];
        fs.ReadExactly(bytes);
        int end = Array.LastIndexOf(bytes, (byte)'\n');
        if (end < 0) return lines;
        _offset += end + 1;
        foreach (var text in Encoding.UTF8.GetString(bytes, 0, end).Split('\n'))
        {
            try
            {
                if (JsonNode.Parse(text) is JsonObject o) lines.Add(o);
            }
            catch (JsonException) { }                       // not a metrics line: nothing to mirror
        }
        return lines;
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
    }
}
