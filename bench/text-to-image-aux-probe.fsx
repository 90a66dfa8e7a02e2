// docs/text-to-image.md, "D with attribute heads (session 9)": per attribute column, how often D's auxiliary
// attribute heads (--aux-attributes) read real test images right and how often they read G's image of the same
// image's caption as that caption's attributes. Real and fake are scored in one D batch ([real; fake], as in training),
// with train-mode and with eval-mode BatchNorm.
// usage: dotnet fsi bench/text-to-image-aux-probe.fsx RUN [RUN ...]   (gan-cls runs trained with --aux-attributes W > 0)
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
let columns = [| "objects"; "background"; "shape0"; "colour0"; "size0"; "position0"; "shape1"; "colour1"; "size1"; "position1" |]
let d = CaptionedShapes.Load(512, 32, 1L, "test", null)
let n = d.Count
let real = d.Gather(torch.arange(n))
let attrs = d.ExtraFields.["attributes"]
let text = d.ExtraFields.["text"]
let accuracy (logits: torch.Tensor) (classes: int64[]) =
    let a = attrs
    let mutable start = 0L
    [| for c in 0 .. classes.Length - 1 do
        let k = classes.[c]
        let target = a.select(1, int64 c)
        let present = target.ne(torch.tensor(-1L))
        let hit = logits.narrow(1, start, k).argmax(1L).eq(target).logical_and(present)
        yield hit.to_type(torch.ScalarType.Float32).sum().item<float32>() / present.to_type(torch.ScalarType.Float32).sum().item<float32>()
        start <- start + k |]
for run in fsi.CommandLineArgs |> Array.skip 1 do
    use s = Sampler.Load(run)
    let sys = s.System :?> GanClsSystem
    let dnet = sys.Network "D" :?> MatchingAwareDiscriminator
    let heads = sys.Network GanClsSystem.AuxHeads :?> AttributeHeads
    use _ = torch.no_grad()
    let emb = sys.EncodeText(text)
    let gen = new torch.Generator(7UL)
    let z = sys.SampleLatent(n, gen)
    sys.G.eval()
    let fake = sys.Generate(z, emb)
    printfn "%s (step %d), %d test images; columns: %s" run s.Step n (String.Join(" ", columns))
    for mode in [ "train-BN"; "eval-BN" ] do
        if mode = "train-BN" then dnet.train() else dnet.eval()
        let struct(_, _, _, fr, ff) = dnet.ScorePairsWithFeatures(real, emb, null, fake, emb)
        heads.eval()
        let ar = accuracy (heads.call(fr)) heads.Classes
        let af = accuracy (heads.call(ff)) heads.Classes
        let show (v: float32[]) = String.Join(" ", v |> Array.map (fun x -> sprintf "%.3f" x))
        printfn "  %s heads on real: %s" mode (show ar)
        printfn "  %s heads on G(z, caption) vs the caption: %s" mode (show af)
