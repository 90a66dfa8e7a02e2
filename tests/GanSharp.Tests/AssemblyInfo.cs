// torch's thread count and the console are process-wide: run test classes one at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
