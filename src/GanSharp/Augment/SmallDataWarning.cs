namespace GanSharp.Augment;

/// <summary>
/// Says when a training set is small enough that D will memorize it (Karras et al. 2020 see D overfit FFHQ at
/// 256² with up to tens of thousands of images; Zhao et al. 2020 train 100-shot sets only with augmentation).
/// The rule: warn when the set has fewer than <see cref="MinimumImages"/>(size) images, 10,000·(size/64)² clamped
/// to [2,000, 50,000] (2,500 at 32 px, 10,000 at 64 px, 40,000 at 128 px), and the run shows each image more than
/// <see cref="MaxEpochsWithoutWarning"/> times (steps·batch/count &gt; 10), since memorizing needs repetition.
/// </summary>
public static class SmallDataWarning
{
    /// <summary>How many times a small set may be shown before the warning applies.</summary>
    public const double MaxEpochsWithoutWarning = 10;

    /// <summary>The number of images below which a folder counts as small at <paramref name="size"/>×size.</summary>
    public static long MinimumImages(int size)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "image size must be ≥ 1");
        double scaled = 10_000.0 * (size / 64.0) * (size / 64.0);
        return (long)Math.Clamp(Math.Round(scaled), 2_000, 50_000);
    }

    /// <summary>The warning text, or null when the set is large enough for the budget.</summary>
    public static string? Check(long count, int size, long steps, int batch)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "dataset count must be ≥ 1");
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 0");
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch size must be ≥ 1");
        long minimum = MinimumImages(size);
        double epochs = (double)steps * batch / count;
        if (count >= minimum || epochs <= MaxEpochsWithoutWarning) return null;
        return $"the training set has {count} images, small for {size}x{size} (fewer than {minimum}), and {steps} steps of " +
               $"batch {batch} show each image about {epochs:0} times: D will likely memorize it. " +
               "Consider --augment ada --mirror (or --augment diffaugment).";
    }
}
