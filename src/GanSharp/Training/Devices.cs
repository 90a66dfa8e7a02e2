using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>Where a run's tensors live: --device auto (CUDA when this build and machine have it, else CPU), cpu or cuda.</summary>
public enum DeviceKind
{
    Auto,
    Cpu,
    Cuda,
}

/// <summary>A device that was asked for and is not there (--device cuda on a CPU-only build or machine).</summary>
public sealed class DeviceUnavailableException(string message) : ArgumentException(message);

/// <summary>
/// Device placement (issue 21). A system resolves its device once; its networks are moved there, batches and
/// latents are put there, and every random draw goes through <see cref="Randn"/>/<see cref="Rand"/>/<see cref="Randint"/>:
/// the numbers are drawn on the CPU from the run's (CPU) generators and then moved, so a seed gives the same
/// latents, noise and augmentations on every device, and checkpointed generator states mean the same everywhere.
/// On the CPU nothing is copied: CPU results are bit for bit those of a build without device placement.
/// Library code creates no tensor on a hard-coded device: a tensor is made on the device of the tensor it works
/// with (<c>device: x.device</c>) or of its system (<see cref="GanSystem.Device"/>); DeviceTests scan the sources.
/// </summary>
public static class Devices
{
    /// <summary>True when this build's libtorch has CUDA and a GPU is visible (asked once).</summary>
    public static bool CudaAvailable => _cuda.Value;

    private static readonly Lazy<bool> _cuda = new(() =>
    {
        try { return cuda.is_available(); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or NotSupportedException or InvalidOperationException)
        {
            return false;
        }
    });

    /// <summary>
    /// The device <paramref name="kind"/> names here; cuda without CUDA is one clear error.
    /// <paramref name="cudaAvailable"/>: what to assume instead of asking libtorch (tests).
    /// </summary>
    public static Device Resolve(DeviceKind kind, bool? cudaAvailable = null) => (kind, cudaAvailable ?? CudaAvailable) switch
    {
        (DeviceKind.Cpu, _) => CPU,
        (DeviceKind.Auto, var has) => has ? Cuda : CPU,
        (DeviceKind.Cuda, var has) => has ? Cuda
            : throw new DeviceUnavailableException("--device cuda: no CUDA device is available to this build (it uses the CPU libtorch package, or no GPU is visible); " +
                "build with -p:GanSharpTorchBackend=cuda on a machine with a GPU (docs/scale.md), or use --device cpu"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The first CUDA device (named without initialising CUDA, which a CPU build cannot).</summary>
    private static Device Cuda => new(DeviceType.CUDA, 0);

    /// <summary>Parses cpu, cuda or auto (the --device values); anything else is one clear error.</summary>
    public static DeviceKind Parse(string value) => value.Trim().ToLowerInvariant() switch
    {
        "auto" => DeviceKind.Auto,
        "cpu" => DeviceKind.Cpu,
        "cuda" => DeviceKind.Cuda,
        _ => throw new ArgumentException($"unknown value '{value}' for --device: use cpu, cuda or auto"),
    };

    public static bool IsCpu(Device device) => device.type == DeviceType.CPU;

    /// <summary><paramref name="t"/> on <paramref name="device"/>: the same tensor when it is already there.</summary>
    public static Tensor On(this Tensor t, Device device) =>
        t.device_type == device.type && (device.index < 0 || t.device_index == device.index) ? t : t.to(device);

    /// <summary>The tensor on the CPU (for reading its values or writing it to a file): the same tensor when it is there.</summary>
    public static Tensor OnCpu(this Tensor t) => t.device_type == DeviceType.CPU ? t : t.cpu();

    /// <summary>Gaussian numbers drawn on the CPU from <paramref name="generator"/>, then put on <paramref name="device"/>.</summary>
    public static Tensor Randn(long[] shape, Generator? generator, Device device, ScalarType? dtype = null) =>
        randn(shape, dtype: dtype, generator: generator).On(device);

    /// <summary>Uniform [0, 1) numbers drawn on the CPU from <paramref name="generator"/>, then put on <paramref name="device"/>.</summary>
    public static Tensor Rand(long[] shape, Generator? generator, Device device, ScalarType? dtype = null) =>
        rand(shape, dtype: dtype, generator: generator).On(device);

    /// <summary>A random permutation of 0 … n − 1 drawn on the CPU from <paramref name="generator"/>, then put on <paramref name="device"/>.</summary>
    public static Tensor Randperm(long n, Generator? generator, Device device) =>
        randperm(n, generator: generator).On(device);

    /// <summary>Integers in [low, high) drawn on the CPU from <paramref name="generator"/>, then put on <paramref name="device"/>.</summary>
    public static Tensor Randint(long low, long high, long[] shape, Generator? generator, Device device, ScalarType dtype = ScalarType.Int64) =>
        randint(low, high, shape, dtype: dtype, generator: generator).On(device);
}
