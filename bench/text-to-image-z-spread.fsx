// docs/text-to-image.md, Diagnosis: how much a gan-cls G's output varies with z (16 noises per caption) and with
// the caption (4 captions), in train- and eval-mode BatchNorm, per checkpoint.
// usage: dotnet fsi bench/text-to-image-z-spread.fsx RUN/checkpoints/step-*.ckpt
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
let caps = [| "a large red circle in the center on a white background"; "a small blue square at the top left on a black background"; "a big green star at the bottom right . the background is gray"; "a large cyan square at the left on a brown background" |]
// mixed batch of 4 captions × 16 z, like a training batch: within-caption (z) std and between-caption std of the output
let measure (gen: GanClsGenerator) (emb: torch.Tensor) (train: bool) =
    if train then gen.train() else gen.eval()
    use _ = torch.no_grad()
    use g = new torch.Generator(7UL)
    let k = emb.shape.[0]
    let z = torch.randn([|16L; int64 gen.ZDim|], generator=g).repeat(k, 1L)
    let f = gen.call(z, emb.repeat_interleave(16L, 0L)).reshape(k, 16L, -1L)
    f.std(dim=1L).mean().item<float32>(), f.mean([|1L|]).std(dim=0L).mean().item<float32>()
for run in fsi.CommandLineArgs |> Array.skip 1 do
    use s = Sampler.Load(run)
    let sys = s.System :?> GanClsSystem
    let struct(ids, _) = sys.Vocabulary.EncodeBatch(caps)
    let emb = sys.EncodeText(ids)
    let gen = ((sys.Network "G") :?> TextConditionedGenerator).Net
    let (zt, ct) = measure gen emb true
    let (ze, ce) = measure gen emb false
    printfn "step %5d  train: z-std %.4f caption-std %.4f | eval: z-std %.4f caption-std %.4f" s.Step zt ct ze ce
