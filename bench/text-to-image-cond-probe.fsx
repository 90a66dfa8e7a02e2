// docs/text-to-image.md, "Why colour and shape do not follow": where along text -> image does an attribute get lost?
// (A) Does the frozen text embedding phi(t) carry each attribute linearly? A least-squares linear probe (one-hot
//     targets, closed form) and a softmax probe (300 Adam steps) on phi of the single-object training captions (all 5 per image), scored on the test
//     split's single-object captions.
// (B) Does G's conditioning reach the output? For single-object test scenes, one template caption and the same caption
//     with one attribute swapped: the relative change of phi, of G's compressed embedding (FC 128 + LeakyReLU), and the
//     mean per-pixel change of G's image at the same z (eval-mode BatchNorm); the data's own change is the mean
//     per-pixel difference of real training pairs that differ in that one attribute only.
// usage: dotnet fsi bench/text-to-image-cond-probe.fsx [--no-images] [--no-judge] RUN [RUN...]   (gan-cls runs or
//        checkpoints, or a text-encoder run for part A; --no-images: part A only; --no-judge: part A for RUN's
//        encoder only, without the judge's)
#I __SOURCE_DIRECTORY__
#I "../src/GanSharp.Cli/bin/Release/net10.0"
#r "TorchSharp.dll"
#r "GanSharp.dll"
#r "GanSharp.Cli.dll"
open System
open TorchSharp
open GanSharp.Training
open GanSharp.Data
open GanSharp.Families.TextToImage
GanSharp.Cli.TorchRuntime.EnsureLoaded()
torch.set_num_threads(1)
torch.manual_seed(5L) |> ignore
let names = [| "background"; "shape"; "colour"; "size"; "position" |]
let attrIndex = [| 1; 2; 3; 4; 5 |]                  // background, then slot 0's shape, colour, size, position
let classes = [| 4; 5; 8; 3; 9 |]
let singleOf (d: TensorDataset) =
    let at = d.ExtraFields.["attributes"].contiguous().data<int64>().ToArray()
    let n = int d.Count
    [| 0 .. n - 1 |] |> Array.filter (fun i -> at.[i*10] = 1L), at
let train = CaptionedShapes.Load(20000, 32, 1L, "train", null)
let test = CaptionedShapes.Load(400, 32, 1L, "test", null)
let trainSingle, trainAt = singleOf train
let testSingle, testAt = singleOf test
let args = fsi.CommandLineArgs |> Array.skip 1
let noImages = args |> Array.contains "--no-images" || args |> Array.contains "--no-judge"
let runs = args |> Array.filter (fun a -> not (a.StartsWith "--"))
let first = Sampler.Load(runs.[0])
// a gan-cls run (its frozen encoder) or a text-encoder run (its own text encoder; part A only)
let encode0 : torch.Tensor -> torch.Tensor =
    match first.System with
    | :? GanClsSystem as s -> fun ids -> s.EncodeText(ids)
    | :? TextEncoderSystem as s -> s.Text.eval(); fun ids -> s.Text.call(ids, ids.ne(torch.tensor(0L)))
    | other -> failwithf "%s is neither a gan-cls nor a text-encoder run (%s)" runs.[0] (other.GetType().Name)
let noJudge = args |> Array.contains "--no-judge"
let _ng = torch.no_grad()
// (A) linear probe of phi on the dataset's own captions (varied templates, synonyms, word orders), for the frozen
// encoder of the first run and for the R-precision judge's text encoder (trained separately, same objective)
// (the judge is loaded after the first probe, so the first probe's random state does not depend on it)
let judgeEncoder = lazy (let struct(t, _) = GanSharp.Metrics.TextToImageJudges.RPrecisionJudge(IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "gansharp", "stats"), null) in t.eval(); t)
let encoders : (string * (unit -> torch.Tensor -> torch.Tensor))[] = [|
    yield (sprintf "the text encoder of %s" runs.[0], (fun () -> encode0))
    if not noJudge then
        yield ("the R-precision judge's text encoder", (fun () -> let t = judgeEncoder.Force() in fun (ids: torch.Tensor) -> t.call(ids, ids.ne(torch.tensor(0L))))) |]
for (encName, makeEncode) in encoders do
    let encode = makeEncode ()
    let embedAll (d: TensorDataset) (idx: int[]) =
        let caps = d.ExtraFields.["captions"]                               // N×K×L
        let rows = caps.index_select(0L, torch.tensor(idx |> Array.map int64))
        let k = rows.shape.[1]
        let flat = rows.reshape(-1L, rows.shape.[2])
        let chunks = [| for s in 0L .. 1000L .. flat.shape.[0] - 1L -> encode(flat.narrow(0L, s, min 1000L (flat.shape.[0] - s))) |]
        torch.cat(chunks, 0L), k
    let labelsOf (at: int64[]) (idx: int[]) (k: int64) (a: int) =
        torch.tensor(idx |> Array.collect (fun i -> Array.replicate (int k) at.[i*10 + a]))
    let nTrain = min 4000 trainSingle.Length
    let xTr, kTr = embedAll train trainSingle.[.. nTrain - 1]
    let xTe, kTe = embedAll test testSingle
    let mu = xTr.mean([| 0L |], keepdim = true)
    let sd = xTr.std(0L, keepdim = true) + 1e-6
    let zTr = (xTr - mu) / sd
    let zTe = (xTe - mu) / sd
    printfn "(A) linear probe of phi(t) (%s, dim %d): %d training captions (%d single-object images x %d), %d test captions" encName xTr.shape.[1] xTr.shape.[0] nTrain kTr xTe.shape.[0]
    for j in 0 .. names.Length - 1 do
        let yTr = labelsOf trainAt trainSingle.[.. nTrain - 1] kTr attrIndex.[j]
        let yTe = labelsOf testAt testSingle kTe attrIndex.[j]
        // least squares onto one-hot labels with a bias column (ridge 1e-3), solved in closed form: a converged linear probe
        let withBias (x: torch.Tensor) = torch.cat([| x; torch.ones(x.shape.[0], 1L) |], 1L)
        let xb = withBias zTr
        let c = int64 classes.[j]
        let onehot = torch.nn.functional.one_hot(yTr, c).to_type(torch.float32)
        let w = torch.linalg.solve(xb.t().matmul(xb) + torch.eye(xb.shape.[1]) * 1e-3, xb.t().matmul(onehot))
        let acc (x: torch.Tensor) (y: torch.Tensor) = (withBias x).matmul(w).argmax(1L).eq(y).to_type(torch.float32).mean().item<float32>()
        // and a softmax (logistic) probe: 300 full-batch Adam steps, lr 0.01
        let lin = torch.nn.Linear(zTr.shape.[1], c)
        let opt = torch.optim.Adam(lin.parameters(), 0.01)
        for _ in 1 .. 300 do
            use _step = torch.NewDisposeScope()
            use _g = torch.enable_grad()
            opt.zero_grad()
            torch.nn.functional.cross_entropy(lin.call(zTr), yTr).backward()
            opt.step() |> ignore
        let accL (x: torch.Tensor) (y: torch.Tensor) = lin.call(x).argmax(1L).eq(y).to_type(torch.float32).mean().item<float32>()
        printfn "  %-10s least squares: train %.3f test %.3f | softmax: train %.3f test %.3f  (chance %.3f)" names.[j] (acc zTr yTr) (acc zTe yTe) (accL zTr yTr) (accL zTe yTe) (1.0 / float classes.[j])
if noImages then exit 0
// (B) real images: mean per-pixel |x_i - x_j| over single-object training pairs that differ in exactly one attribute
let xs = train.Gather(torch.tensor(trainSingle |> Array.map int64))   // [-1, 1]
let key (i: int) = [| for a in attrIndex -> trainAt.[i*10 + a] |]
let byKey = trainSingle |> Array.mapi (fun r i -> key i, r) |> Array.groupBy (fun (k, _) -> String.Join(",", k)) |> dict
let realDelta =
    names |> Array.mapi (fun j _ ->
        let pairs = ResizeArray<int * int>()
        for r in 0 .. trainSingle.Length - 1 do
            if pairs.Count < 2000 then
                let k = key trainSingle.[r]
                for v in 0L .. int64 classes.[j] - 1L do
                    if v <> k.[j] && pairs.Count < 2000 then
                        let k2 = Array.copy k
                        k2.[j] <- v
                        match byKey.TryGetValue(String.Join(",", k2)) with
                        | true, rs -> pairs.Add((r, snd rs.[0]))
                        | _ -> ()
        let a = torch.tensor(pairs |> Seq.map (fst >> int64) |> Array.ofSeq)
        let b = torch.tensor(pairs |> Seq.map (snd >> int64) |> Array.ofSeq)
        (xs.index_select(0L, a) - xs.index_select(0L, b)).abs().mean().item<float32>(), pairs.Count)
let sizes = [| "small"; "medium"; "large" |]
let cap (bg: int) (sh: int) (co: int) (sz: int) (po: int) =
    sprintf "a %s %s %s at the %s on a %s background" sizes.[sz] CaptionedShapes.Colours.[co] CaptionedShapes.Shapes.[sh] CaptionedShapes.Positions.[po] CaptionedShapes.Backgrounds.[bg]
let a i k = int testAt.[i*10 + k]
let base' i = [| a i 1; a i 2; a i 3; a i 4; a i 5 |]
let swap (v: int[]) j = let w = Array.copy v in w.[j] <- (w.[j] + [| 1; 2; 4; 1; 4 |].[j]) % classes.[j]; w
let capOf (v: int[]) = cap v.[0] v.[1] v.[2] v.[3] v.[4]
let rightCaps = testSingle |> Array.map (base' >> capOf)
printfn "(B) %d single-object test scenes, one template caption, one attribute swapped; 4 noises each, eval-mode BatchNorm" testSingle.Length
printfn "  real pairs differing only in that attribute: %s" (String.Join("; ", names |> Array.mapi (fun j n -> sprintf "%s %.4f (%d pairs)" n (fst realDelta.[j]) (snd realDelta.[j]))))
for run in runs do
    use s = Sampler.Load(run)
    let sys = s.System :?> GanClsSystem
    let gen = ((sys.Network "G") :?> TextConditionedGenerator).Net
    gen.eval()
    let project = gen.named_children() |> Seq.pick (fun struct(n, m) -> if n = "project" then Some (m :?> torch.nn.Module<torch.Tensor, torch.Tensor>) else None)
    let emb (caps: string[]) = let struct(ids, _) = sys.Vocabulary.EncodeBatch(caps) in sys.EncodeText(ids)
    use g = new torch.Generator(11UL)
    let n = int64 testSingle.Length
    let z = torch.randn([| 4L * n; int64 gen.ZDim |], generator = g)
    let phi0 = emb rightCaps
    let p0 = project.call(phi0)
    let img0 = gen.call(z, phi0.repeat(4L, 1L))
    let z2 = torch.randn([| 4L * n; int64 gen.ZDim |], generator = g)
    let zDelta = (gen.call(z2, phi0.repeat(4L, 1L)) - img0).abs().mean().item<float32>()
    let rel (a: torch.Tensor) (b: torch.Tensor) = ((a - b).norm(1).mean() / b.norm(1).mean()).item<float32>()
    let rows = names |> Array.mapi (fun j nm ->
        use _scope = torch.NewDisposeScope()
        let phi = emb (testSingle |> Array.map (fun i -> capOf (swap (base' i) j)))
        let img = gen.call(z, phi.repeat(4L, 1L))
        let d = (img - img0).abs().mean().item<float32>()
        sprintf "  %-10s |dphi|/|phi| %.3f  |dG.fc|/|G.fc| %.3f  image |d| %.4f  (real %.4f, ratio %.2f)" nm (rel phi phi0) (rel (project.call(phi)) p0) d (fst realDelta.[j]) (d / fst realDelta.[j]))
    printfn "%s step %d: image change with a new z at the same caption %.4f" run s.Step zDelta
    rows |> Array.iter (printfn "%s")
