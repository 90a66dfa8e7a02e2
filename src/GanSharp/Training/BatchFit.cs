namespace GanSharp.Training;

/// <summary>
/// A batch larger than the training set (a small image folder): training goes on at the set's size, rounded down
/// to a multiple of --pack, rather than stopping.
/// </summary>
public static class BatchFit
{
    /// <summary>
    /// Lowers <see cref="GanOptions.Batch"/> to fit <paramref name="examples"/> and returns the warning to show, or
    /// null when the batch fits. Too few examples for even one packed batch is an <see cref="ArgumentException"/>.
    /// </summary>
    public static string? ToData(GanOptions options, long examples, string dataName)
    {
        if (examples >= options.Batch) return null;
        int pack = Math.Max(1, options.Pack);
        int fitted = (int)(examples / pack * pack);
        if (fitted < 1)
            throw new ArgumentException($"'{dataName}' has {examples} example(s), fewer than one packed batch of --pack {pack}: add images or lower --pack");
        int asked = options.Batch;
        options.Batch = fitted;
        return $"--batch {asked} is larger than the {examples} examples of '{dataName}': training with batch {fitted}"
            + (fitted != examples ? $" (a multiple of --pack {pack})" : "");
    }
}
