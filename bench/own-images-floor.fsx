// The real-data floor of docs/own-images.md: KID and FID between two real folders of the same kind, on each
// named feature network. Needs a Release build of the CLI (dotnet build src/GanSharp.Cli -c Release).
// usage: dotnet fsi bench/own-images-floor.fsx FOLDER_A FOLDER_B SIZE CHANNELS NET [NET...]
#I __SOURCE_DIRECTORY__
#I "../src/GanSharp.Cli/bin/Release/net10.0"
#r "TorchSharp.dll"
#r "GanSharp.dll"
#r "GanSharp.Cli.dll"
open TorchSharp
open GanSharp.Metrics

let a = fsi.CommandLineArgs
GanSharp.Cli.TorchRuntime.EnsureLoaded()
torch.set_num_threads(1)
let size, channels = int a.[3], int a.[4]
let load (dir: string) =
    let d = GanSharp.Data.ImageFolder.Load(dir, size, channels)
    d.Gather(torch.arange(d.Count))
let x, y = load a.[1], load a.[2]
for name in a.[5..] do
    use net = FeatureNetworks.Load(name)
    let struct (fx, _) = net.Forward(x)
    let struct (fy, _) = net.Forward(y)
    let k = min 1000 (min (int fx.shape.[0]) (int fy.shape.[0]))
    let struct (kid, std) = Kid.Compute(fx, fy, 100, k, 12345L)
    printfn "%s vs %s  %s  KID %.5f ± %.5f (100 subsets of %d)  FID %.3f" a.[1] a.[2] name kid std k (Fid.Compute(fx, fy))
