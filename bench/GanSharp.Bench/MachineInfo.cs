using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using TorchSharp;

namespace GanSharp.Bench;

/// <summary>What the numbers were measured on: CPU, vector extensions, library versions.</summary>
public static class MachineInfo
{
    public static JsonObject Machine()
    {
        string model = "unknown";
        var flags = new HashSet<string>();
        if (File.Exists("/proc/cpuinfo"))
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                int colon = line.IndexOf(':');
                if (colon < 0) continue;
                string key = line[..colon].Trim();
                if (key == "model name" && model == "unknown") model = line[(colon + 1)..].Trim();
                else if (key == "flags" && flags.Count == 0)
                    flags.UnionWith(line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }
        return new JsonObject
        {
            ["cpu_model"] = model,
            ["logical_cores"] = Environment.ProcessorCount,
            ["proc_stat_cpus"] = CpuSnapshot.Cpus,
            ["avx2"] = flags.Contains("avx2"),
            ["avx512f"] = flags.Contains("avx512f"),
            ["avx512_flags"] = new JsonArray(flags.Where(f => f.StartsWith("avx512", StringComparison.Ordinal)).Order().Select(f => (JsonNode)f).ToArray()),
            ["memory_mib"] = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1048576.0),
            ["os"] = RuntimeInformation.OSDescription,
        };
    }

    public static JsonObject Versions() => new()
    {
        ["torchsharp"] = InformationalVersion(typeof(torch).Assembly),
        ["libtorch"] = torch.__version__,
        ["dotnet"] = Environment.Version.ToString(),
        ["gansharp"] = InformationalVersion(typeof(GanSharp.Training.Trainer).Assembly),
    };

    private static string InformationalVersion(Assembly a)
    {
        string? v = a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        v ??= a.GetName().Version?.ToString() ?? "unknown";
        int plus = v.IndexOf('+');                             // drop the commit hash suffix
        return plus > 0 ? v[..plus] : v;
    }
}
