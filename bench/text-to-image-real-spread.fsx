// docs/text-to-image.md, Diagnosis: the per-pixel spread of real shapes images that share every attribute
// (what a caption leaves free) against the whole data's.
// usage: dotnet fsi bench/text-to-image-real-spread.fsx   (needs dotnet build src/GanSharp.Cli -c Release)
#I __SOURCE_DIRECTORY__
#I "../src/GanSharp.Cli/bin/Release/net10.0"
#r "TorchSharp.dll"
#r "GanSharp.dll"
#r "GanSharp.Cli.dll"
open System
open TorchSharp
open GanSharp.Families.TextToImage
GanSharp.Cli.TorchRuntime.EnsureLoaded()
torch.set_num_threads(1)
let d = CaptionedShapes.Load(20000, 32, 1L, "train", null)
let n = int d.Count
let x = d.Gather(torch.arange(int64 n))      // [-1, 1]
let attrs = d.ExtraFields.["attributes"].contiguous().data<int64>().ToArray()
let a = int d.ExtraFields.["attributes"].shape.[1]
let groups = [| 0 .. n - 1 |] |> Array.groupBy (fun i -> String.Join(",", attrs.[i*a .. i*a + a - 1])) |> Array.filter (fun (_, v) -> v.Length >= 2)
let stds = groups |> Array.map (fun (_, v) -> x.index_select(0L, torch.tensor(v |> Array.map int64)).std(dim=0L).mean().item<float32>())
let sizes = groups |> Array.map (fun (_, v) -> v.Length)
printfn "groups with >=2 images sharing every attribute: %d (images %d); within-group per-pixel std mean %.4f median %.4f" groups.Length (Array.sum sizes) (Array.average stds) (Array.sort stds).[stds.Length/2]
printfn "whole-data per-pixel std %.4f" (x.std(dim=0L).mean().item<float32>())
// background-only groups (same background, everything else free): what a G that follows only the background would span
let bg = [| 0 .. n - 1 |] |> Array.groupBy (fun i -> attrs.[i*a + 1])
for (b, v) in bg do printfn "background %d: %d images, per-pixel std %.4f" b v.Length (x.index_select(0L, torch.tensor(v |> Array.map int64)).std(dim=0L).mean().item<float32>())
