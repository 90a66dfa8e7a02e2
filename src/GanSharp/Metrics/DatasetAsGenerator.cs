using GanSharp.Data;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// Real training images in place of a generator: evaluating it against the held-out reference set gives the
/// value a perfect generator would get (the floor of FID/KID, the ceiling of precision/recall and modes) on the
/// same feature network and sample counts. The "latent" is a random index into the dataset.
/// </summary>
public sealed class DatasetAsGenerator : GanSystem
{
    private readonly TensorDataset _data;

    public DatasetAsGenerator(TensorDataset data, GanOptions options)
        : base(nn.Identity(), nn.Identity(), options, data.ExampleShape) => _data = data;

    public override Tensor SampleLatent(long n, Generator? generator) =>
        randint(0, _data.Count, new[] { n }, generator: generator);

    public override Tensor Generate(Tensor z, Tensor? condition = null) => _data.Gather(z.to_type(ScalarType.Int64));

    public override void Dispose()
    {
        _data.Dispose();
        base.Dispose();
    }
}
