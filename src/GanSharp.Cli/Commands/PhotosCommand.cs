using GanSharp.Data;
using GanSharp.Families.ImageToImage;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp data fetch photos`: Debian's wallpaper photos gathered in one folder to pass as --data.</summary>
public static class PhotosCommand
{
    public static int Fetch(string? cacheRoot)
    {
        string root = Path.Combine(cacheRoot ?? DatasetCache.DefaultRoot(), "photos");
        var r = PhotoSources.Fetch(root, log: m => Console.Error.WriteLine(m));
        if (!r.Available) throw new ArgumentException(r.Reason);
        foreach (var (package, why) in r.Failed) Console.Error.WriteLine($"warning: {package}: {why}");
        if (r.Photos.Count == 0)
            throw new DataException($"no photo was fetched into {root} (try 'apt-get update' first): pass your own --data FOLDER of photos instead");
        string all = PhotoSources.Gather(r.Photos, Path.Combine(root, "all"), Path.Combine(root, "root"));
        Console.WriteLine($"{r.Photos.Count} photos are in {all}");
        return 0;
    }
}
