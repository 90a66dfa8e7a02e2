using System.CommandLine;
using GanSharp.Training;

namespace GanSharp.Cli.Commands;

/// <summary>The --device option of commands that load a checkpoint (sample, eval): where its networks run.</summary>
public static class DeviceOption
{
    public static Option<string> Create() => new("--device")
    {
        Description = "Where the loaded networks run: cpu (default), cuda or auto. A checkpoint trained on either device loads on either",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>The parsed value (one clear error line for anything but cpu, cuda or auto).</summary>
    public static DeviceKind Get(ParseResult p, Option<string> option) => Devices.Parse(p.GetValue(option)!);
}
