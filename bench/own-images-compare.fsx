// The comparison pictures of docs/own-images.md: a row of N real images (evenly spaced through the folder), then N
// samples (seed 1) of each run, one run per row. Needs a Release build of the CLI.
// usage: dotnet fsi bench/own-images-compare.fsx OUT.png N FOLDER SIZE CHANNELS RUN [RUN...]
#I __SOURCE_DIRECTORY__
#I "../src/GanSharp.Cli/bin/Release/net10.0"
#r "TorchSharp.dll"
#r "GanSharp.dll"
#r "GanSharp.Cli.dll"
open TorchSharp

let a = fsi.CommandLineArgs
GanSharp.Cli.TorchRuntime.EnsureLoaded()
let n = int a.[2]
let real =
    let d = GanSharp.Data.ImageFolder.Load(a.[3], int a.[4], int a.[5])
    d.Gather(torch.arange(0L, d.Count, d.Count / int64 n).narrow(0L, 0L, int64 n))
let runs = [| for r in a.[6..] -> (use s = GanSharp.Training.Sampler.Load(r) in s.Sample(n, 1L)) |]
GanSharp.Imaging.ImageGrid.Save(torch.cat(Array.append [| real |] runs, 0L), a.[1], System.Nullable<int>(n))
printfn "wrote %s" a.[1]
