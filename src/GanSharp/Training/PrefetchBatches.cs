using System.Collections.Concurrent;
using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>
/// The same minibatches as <see cref="ShuffledBatches"/>, in the same order, gathered on a background thread so
/// the next batch is ready before the step asks for it. Batches are written into a small pool of reused buffers
/// (float32, channels-last when asked): after warm-up no batch tensor is allocated per step. A batch stays valid
/// until the trainer calls <see cref="Release"/> at the end of its step; <see cref="Epoch"/>/<see cref="Cursor"/>
/// are the position after the last batch handed out, not after the ones prepared ahead, so checkpoints resume
/// exactly.
/// </summary>
public sealed class PrefetchBatches : IBatchSource
{
    /// <summary>One reused batch: a contiguous float32 storage (NCHW, or NHWC for channels-last) and the N×C×H×W view of it.</summary>
    private sealed class Slot(Tensor storage, Tensor real, Tensor? labels)
    {
        public Tensor Storage { get; } = storage;
        public Tensor Real { get; } = real;
        public Tensor? Labels { get; } = labels;
        public long Epoch;
        public long Cursor;

        public void Dispose()
        {
            Real.Dispose();
            Storage.Dispose();
            Labels?.Dispose();
        }
    }

    private readonly ShuffledBatches _inner;          // touched by the worker thread only
    private readonly BlockingCollection<Slot> _ready = new(boundedCapacity: 1);
    private readonly ConcurrentQueue<Slot> _free = new();
    private readonly List<Slot> _handedOut = new();
    private readonly ConcurrentBag<Slot> _all = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _worker;
    private Exception? _failure;

    public PrefetchBatches(ShuffledBatches inner)
    {
        _inner = inner;
        Epoch = inner.Epoch;
        Cursor = inner.Cursor;
        _worker = new Thread(Work) { IsBackground = true, Name = "GanSharp batch prefetch" };
        _worker.Start();
    }

    public long Epoch { get; private set; }
    public long Cursor { get; private set; }

    /// <summary>Fixed for a prefetching source (the trainer reopens a plain one when a family changes it).</summary>
    public int BatchSize => _inner.BatchSize;

    /// <summary>Buffers allocated so far (bounded: batches held by one step + 2).</summary>
    public int BuffersAllocated => _all.Count;

    public Batch Next()
    {
        Slot slot;
        try
        {
            slot = _ready.Take(_stop.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            throw new InvalidOperationException("the batch prefetch thread stopped: " + (_failure?.Message ?? "disposed"), _failure);
        }
        _handedOut.Add(slot);
        Epoch = slot.Epoch;
        Cursor = slot.Cursor;
        return new Batch(slot.Real, slot.Labels);
    }

    public void Release()
    {
        foreach (var s in _handedOut) _free.Enqueue(s);
        _handedOut.Clear();
    }

    private void Work()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var slot = Fill();
                _ready.Add(slot, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _failure = e;
            _ready.CompleteAdding();
        }
    }

    private Slot Fill()
    {
        var data = _inner.Data;
        long[] indices;
        using (var idx = _inner.NextIndices()) indices = idx.data<long>().ToArray(); // cpu: indices into the CPU data set
        bool channelsLast = _inner.ChannelsLastImages && data.ExampleShape.Length == 3;
        if (!_free.TryDequeue(out var slot))
        {
            long[] example = data.ExampleShape;
            long[] storageShape = new[] { (long)indices.Length }
                .Concat(channelsLast ? new[] { example[1], example[2], example[0] } : example).ToArray();
            var storage = empty(storageShape, ScalarType.Float32); // cpu: staging for the CPU data set; Trainer.NextBatch moves batches
            var real = channelsLast ? storage.permute(0, 3, 1, 2) : storage.alias();
            slot = new Slot(storage, real, data.Labels is not null ? empty(indices.Length, ScalarType.Int64) : null); // cpu: staging for the CPU data set; Trainer.NextBatch moves batches
            _all.Add(slot);
        }
        if (!data.GatherInto(indices, slot.Storage, channelsLast))
        {
            using var scope = NewDisposeScope();
            using var idx = tensor(indices); // cpu: staging for the CPU data set; Trainer.NextBatch moves batches
            slot.Real.copy_(data.Gather(idx));
        }
        if (slot.Labels is { } labels) data.GatherLabelsInto(indices, labels);
        slot.Epoch = _inner.Epoch;
        slot.Cursor = _inner.Cursor;
        return slot;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _worker.Join();
        foreach (var s in _all) s.Dispose();
        _inner.Dispose();
        _ready.Dispose();
        _stop.Dispose();
    }
}
