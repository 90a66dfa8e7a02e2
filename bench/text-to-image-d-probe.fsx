// docs/text-to-image.md, Diagnosis: does a gan-cls D judge each (image, caption) pair or its batch? Mean D on 128
// real single-object test images with their right captions and with one attribute swapped, per batch and mixed.
// usage: dotnet fsi bench/text-to-image-d-probe.fsx RUN/checkpoints/step-NNNNNN.ckpt
#I __SOURCE_DIRECTORY__
#I "../src/GanSharp.Cli/bin/Release/net10.0"
#r "TorchSharp.dll"
#r "GanSharp.dll"
#r "GanSharp.Cli.dll"
open System
open TorchSharp
open GanSharp.Training
open GanSharp.Families.TextToImage
GanSharp.Cli.TorchRuntime.EnsureLoaded()
torch.set_num_threads(1)
let shapes = [| "circle"; "square"; "triangle"; "diamond"; "star" |]
let colours = [| "red"; "orange"; "yellow"; "green"; "cyan"; "blue"; "purple"; "pink" |]
let bgs = [| "black"; "white"; "gray"; "brown" |]
let sizes = [| "small"; "medium"; "large" |]
let poss = [| "top left"; "top"; "top right"; "left"; "center"; "right"; "bottom left"; "bottom"; "bottom right" |]
let d = CaptionedShapes.Load(400, 32, 1L, "test", null)
let n = int d.Count
let x = d.Gather(torch.arange(int64 n))
let at = d.ExtraFields.["attributes"].contiguous().data<int64>().ToArray()
let single = [| 0 .. n - 1 |] |> Array.filter (fun i -> at.[i*10] = 1L) |> Array.truncate 128
let cap (bg: int) (sh: int) (co: int) (sz: int) (po: int) = sprintf "a %s %s %s at the %s on a %s background" sizes.[sz] colours.[co] shapes.[sh] poss.[po] bgs.[bg]
let a i k = int at.[i*10 + k]
let variants : (string * (int -> string))[] = [|
    "right", (fun i -> cap (a i 1) (a i 2) (a i 3) (a i 4) (a i 5))
    "background swapped", (fun i -> cap ((a i 1 + 1) % 4) (a i 2) (a i 3) (a i 4) (a i 5))
    "colour swapped", (fun i -> cap (a i 1) (a i 2) ((a i 3 + 4) % 8) (a i 4) (a i 5))
    "shape swapped", (fun i -> cap (a i 1) ((a i 2 + 2) % 5) (a i 3) (a i 4) (a i 5))
    "size swapped", (fun i -> cap (a i 1) (a i 2) (a i 3) ((a i 4 + 1) % 3) (a i 5))
    "object added", (fun i -> (cap (a i 1) (a i 2) (a i 3) (a i 4) (a i 5)).Replace(" on a ", sprintf " and a small %s %s at the %s on a " colours.[(a i 3 + 4) % 8] shapes.[(a i 2 + 2) % 5] poss.[if a i 5 = 0 then 8 else 0]))
    "other image same bg", (fun i -> let j = single |> Array.find (fun j -> a j 1 = a i 1 && (a j 2, a j 3, a j 4, a j 5) <> (a i 2, a i 3, a i 4, a i 5)) in cap (a j 1) (a j 2) (a j 3) (a j 4) (a j 5))
    "other image any", (fun i -> let j = single.[(Array.IndexOf(single, i) + 37) % single.Length] in cap (a j 1) (a j 2) (a j 3) (a j 4) (a j 5))
    "position swapped", (fun i -> cap (a i 1) (a i 2) (a i 3) (a i 4) (8 - a i 5 |> fun p -> if p = a i 5 then 0 else p)) |]
let real = x.index_select(0L, torch.tensor(single |> Array.map int64))
for run in fsi.CommandLineArgs |> Array.skip 1 do
    use s = Sampler.Load(run)
    let sys = s.System :?> GanClsSystem
    let dnet = sys.Network "D" :?> MatchingAwareDiscriminator
    use _ = torch.no_grad()
    let line = variants |> Array.map (fun (name, f) ->
        let struct(ids, _) = sys.Vocabulary.EncodeBatch(single |> Array.map f)
        let emb = sys.EncodeText(ids)
        dnet.eval()
        let pe = dnet.call(real, emb).sigmoid().mean().item<float32>()
        dnet.train()
        let pt = dnet.call(real, emb).sigmoid().mean().item<float32>()
        sprintf "%s %.3f/%.3f" name pe pt)
    printfn "step %d, %d real single-object test images, mean D(real, caption) eval/train-BN: %s" s.Step single.Length (String.Join("; ", line))
// per-item view: does D judge the pair, or the batch?
let runFile = fsi.CommandLineArgs.[fsi.CommandLineArgs.Length - 1]
let s2 = Sampler.Load(runFile)
let sys2 = s2.System :?> GanClsSystem
let dn = sys2.Network "D" :?> MatchingAwareDiscriminator
dn.train()
let _ng = torch.no_grad()
let emb (caps: string[]) = let struct(ids, _) = sys2.Vocabulary.EncodeBatch(caps) in sys2.EncodeText(ids)
let other = single |> Array.map (fun i -> let j = single.[(Array.IndexOf(single, i) + 37) % single.Length] in j)
let p = dn.call(real, emb (other |> Array.map (fun j -> cap (a j 1) (a j 2) (a j 3) (a j 4) (a j 5)))).sigmoid().data<float32>().ToArray()
let same = [| for k in 0 .. single.Length - 1 do if a single.[k] 1 = a other.[k] 1 then yield p.[k] |]
let diff = [| for k in 0 .. single.Length - 1 do if a single.[k] 1 <> a other.[k] 1 then yield p.[k] |]
printfn "mixed wrong batch (train-mode BN): same-background wrong captions %d items mean D %.3f; other-background %d items mean D %.3f" same.Length (Array.average same) diff.Length (Array.average diff)
// right and colour-swapped captions in ONE batch (shared BN statistics)
let rightCaps = single |> Array.map (fun i -> cap (a i 1) (a i 2) (a i 3) (a i 4) (a i 5))
let colCaps = single |> Array.map (fun i -> cap (a i 1) (a i 2) ((a i 3 + 4) % 8) (a i 4) (a i 5))
let bgCaps = single |> Array.map (fun i -> cap ((a i 1 + 1) % 4) (a i 2) (a i 3) (a i 4) (a i 5))
let q = dn.call(torch.cat([| real; real |], 0L), emb (Array.append rightCaps colCaps)).sigmoid()
printfn "one batch [right; colour swapped]: right %.3f colour-swapped %.3f" (q.narrow(0L, 0L, real.shape.[0]).mean().item<float32>()) (q.narrow(0L, real.shape.[0], real.shape.[0]).mean().item<float32>())
let r = dn.call(torch.cat([| real; real |], 0L), emb (Array.append rightCaps bgCaps)).sigmoid()
printfn "one batch [right; background swapped]: right %.3f bg-swapped %.3f" (r.narrow(0L, 0L, real.shape.[0]).mean().item<float32>()) (r.narrow(0L, real.shape.[0], real.shape.[0]).mean().item<float32>())
