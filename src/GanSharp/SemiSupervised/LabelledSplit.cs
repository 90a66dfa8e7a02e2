using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.SemiSupervised;

/// <summary>
/// The labelled subset of a training set: n examples, n/K per class, chosen by seed. The remaining examples are
/// <see cref="Unlabelled"/>; the training loop itself streams the whole set (as the authors' code does) and never
/// reads its labels, so only these n labels are ever used.
/// </summary>
public static class LabelledSplit
{
    /// <summary>Sorted indices of n examples, n/K of each class; a function of (labels, n, K, seed) alone.</summary>
    public static long[] Balanced(Tensor labels, int n, int numClasses, long seed)
    {
        if (numClasses <= 0) throw new ArgumentException("the dataset has no classes: the semisup model needs labelled data");
        if (n % numClasses != 0)
            throw new ArgumentException($"--labels {n} is not a multiple of the {numClasses} classes (the labelled set is balanced)");
        int perClass = n / numClasses;
        long count = labels.shape[0];
        using var g = new Generator((ulong)ShuffledBatches.MixSeed(seed, -7));
        using var perm = randperm(count, generator: g); // cpu: indices into the CPU data set
        long[] order = perm.data<long>().ToArray(); // cpu: the CPU data set
        long[] y = labels.to_type(ScalarType.Int64).data<long>().ToArray(); // cpu: the CPU data set
        var taken = new int[numClasses];
        var chosen = new List<long>(n);
        foreach (long i in order)
        {
            long c = y[i];
            if (c < 0 || c >= numClasses || taken[c] >= perClass) continue;
            taken[c]++;
            chosen.Add(i);
            if (chosen.Count == n) break;
        }
        if (chosen.Count < n)
        {
            int c = Array.FindIndex(taken, t => t < perClass);
            throw new ArgumentException($"class {c} has only {taken[c]} examples, fewer than the {perClass} that --labels {n} needs");
        }
        chosen.Sort();
        return chosen.ToArray();
    }

    /// <summary>
    /// Positions (into a labelled set of <paramref name="labelledCount"/>) of a labelled minibatch of
    /// <paramref name="n"/>, as in the authors' code (the labelled set permuted and tiled): ⌈n/L⌉ fresh permutations
    /// of the L labelled examples, concatenated, first n. So with n = L every batch is the whole balanced labelled set
    /// in random order, and no example repeats before every other has appeared.
    /// </summary>
    public static Tensor BatchPositions(long labelledCount, long n, Generator? generator, Device device)
    {
        if (labelledCount <= 0) throw new ArgumentException("the labelled set is empty");
        long tiles = (n + labelledCount - 1) / labelledCount;
        if (tiles == 1) return Devices.Randperm(labelledCount, generator, device).narrow(0, 0, n);
        var perms = new Tensor[tiles];
        for (long t = 0; t < tiles; t++) perms[t] = Devices.Randperm(labelledCount, generator, device);
        return cat(perms, 0).narrow(0, 0, n);
    }

    /// <summary>Every index of a set of <paramref name="count"/> examples that is not labelled, in order.</summary>
    public static long[] Unlabelled(long count, IReadOnlyCollection<long> labelled)
    {
        var set = labelled.ToHashSet();
        var rest = new List<long>((int)(count - set.Count));
        for (long i = 0; i < count; i++)
            if (!set.Contains(i)) rest.Add(i);
        return rest.ToArray();
    }
}
