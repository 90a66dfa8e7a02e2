using GanSharp.Data;
using GanSharp.Imaging;
using GanSharp.Training;

namespace GanSharp.Cli;

/// <summary>Turns the library's exceptions into one clear line on stderr and a non-zero exit code.</summary>
public static class CliErrors
{
    public const int BadInput = 2;
    public const int Failed = 1;
    public const int Interrupted = 130;

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e)
        {
            var (line, code) = Describe(e);
            Console.Error.WriteLine($"error: {line}");
            return code;
        }
    }

    public static (string Line, int Code) Describe(Exception e) => e switch
    {
        DataException or CheckpointException or ImageException or GanSharp.Interop.SafeTensorsException or GanSharp.Metrics.FeatureNetworkException or ArgumentException or FileNotFoundException or DirectoryNotFoundException
            => (e.Message, BadInput),
        NonFiniteLossException or TrainingFaultException or TorchLoadException => (e.Message, Failed),
        UnauthorizedAccessException or IOException => (e.Message, Failed),
        TypeInitializationException or DllNotFoundException or NotSupportedException when TorchRuntime.IsLoadFailure(e)
            => (TorchRuntime.Explain(e), Failed),
        AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerException!),
        _ => ($"{e.GetType().Name}: {e.Message}", Failed),
    };
}

/// <summary>Checks that the native libtorch runtime loads, and explains in one line when it does not.</summary>
public static class TorchRuntime
{
    public static void EnsureLoaded()
    {
        try
        {
            using var t = TorchSharp.torch.zeros(1);
        }
        catch (Exception e) when (IsLoadFailure(e))
        {
            throw new TorchLoadException(Explain(e));
        }
    }

    public static bool IsLoadFailure(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is DllNotFoundException || x.Message.Contains("libtorch", StringComparison.OrdinalIgnoreCase)
                || x.Message.Contains("LibTorchSharp", StringComparison.Ordinal))
                return true;
        return false;
    }

    public static string Explain(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        return "the native libtorch runtime failed to load (" + FirstLine(inner.Message) + "). " +
               "Build with 'dotnet build' from the repository (the build patches libLibTorchSharp.so for older libstdc++), " +
               "and run on Linux x64 with glibc 2.29 or newer; see README 'Troubleshooting'.";
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}

public sealed class TorchLoadException(string message) : Exception(message);
