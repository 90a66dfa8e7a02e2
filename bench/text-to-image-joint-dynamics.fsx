// docs/text-to-image.md, "A text encoder that reads colour and shape": why the joint-embedding hinge keeps colour
// out of the text embedding. 300 steps (batch 64, no hard negatives) of a text encoder + attribute heads, with the
// image encoder and the hinge (raw: Reed's summed hinge on dot products; cos: on unit vectors, margin 0.2) or without
// it (none); prints the attribute loss, the heads' slot-0 colour accuracy on the batch and the text embedding's mean
// L1 norm every 50 steps, then the share of dead (never positive) channels of the text CNN's two layers.
// The heads read the embedding scaled to norm sqrt(D) (AttributeHeads), as the family does.
// usage: dotnet fsi bench/text-to-image-joint-dynamics.fsx raw|cos|none WEIGHT [LR]   (about 30 CPU seconds)
#I __SOURCE_DIRECTORY__
#r "../src/GanSharp.Cli/bin/Release/net10.0/TorchSharp.dll"
#r "../src/GanSharp.Cli/bin/Release/net10.0/GanSharp.dll"
#r "../src/GanSharp.Cli/bin/Release/net10.0/GanSharp.Cli.dll"
open TorchSharp
open GanSharp.Families.TextToImage
GanSharp.Cli.TorchRuntime.EnsureLoaded()
torch.set_num_threads(1)
torch.manual_seed(1L) |> ignore
let args = fsi.CommandLineArgs
let mode = args.[1]          // raw | cos | none
let w = float args.[2]
let d = CaptionedShapes.Load(20000, 32, 1L, "train", null)
let caps = d.ExtraFields.["captions"]
let cnt = d.ExtraFields.["caption_count"]
let at = d.ExtraFields.["attributes"]
let classes = AttributeHeads.ClassesOf(d)
let te = new TextEncoder(int64 CaptionedShapes.Vocabulary.Count, 128, 64, 128, TextEncoderKind.Cnn)
let ie = new ImageEncoder(32, 3, 128, 32)
let hd = new AttributeHeads(128, classes)
let opt = torch.optim.Adam(Seq.concat [te.parameters(); ie.parameters(); hd.parameters()], (if args.Length > 3 then float args.[3] else 2e-3))
let g = new torch.Generator(3UL)
for step in 1 .. 300 do
  use _s = torch.NewDisposeScope()
  let idx = torch.randperm(20000L, generator = g).narrow(0L, 0L, 64L)
  let struct(ids, mask) = CaptionFields.PickCaption(caps.index_select(0L, idx), cnt.index_select(0L, idx), g)
  let phi = te.call(ids, mask)
  let a = at.index_select(0L, idx)
  let logits = hd.call(phi)
  let aux = AttributeHeads.LossOfLogits(logits, a, classes)
  let img = ie.call(d.Gather(idx))
  let same = JointEmbeddingLoss.SamePairs(a, null, 64L)
  let hinge =
    match mode with
    | "raw" -> JointEmbeddingLoss.Loss(img, phi, 1.0, same)
    | "cos" -> JointEmbeddingLoss.Loss(torch.nn.functional.normalize(img, dim = 1L), torch.nn.functional.normalize(phi, dim = 1L), 0.2, same)
    | _ -> aux * 0.0
  let loss = hinge + aux * w
  opt.zero_grad(); loss.backward(); opt.step() |> ignore
  if step % 50 = 0 then
    let col = logits.narrow(1L, 12L, 8L).argmax(1L).eq(a.select(1L, 3L)).to_type(torch.float32).mean().item<float32>()
    printfn "%s w %g step %d hinge %.3f aux %.3f colour(slot0) acc %.3f |phi| %.1f" mode w step (hinge.item<float32>()) (aux.item<float32>()) col (phi.norm(1).mean().item<float32>())
// dead units: share of the text CNN's conv2 channels that are zero for every token of 256 captions
use _ng = torch.no_grad()
let idx = torch.arange(256L)
let struct(ids, mask) = CaptionFields.PickCaption(caps.index_select(0L, idx), cnt.index_select(0L, idx), g)
let emb = (te.named_children() |> Seq.find (fun struct(n, _) -> n = "words") |> fun struct(_, m) -> m :?> torch.nn.Module<torch.Tensor, torch.Tensor>).call(ids).transpose(1L, 2L)
let c1 = (te.named_children() |> Seq.find (fun struct(n, _) -> n = "conv1") |> fun struct(_, m) -> m :?> torch.nn.Module<torch.Tensor, torch.Tensor>)
let c2 = (te.named_children() |> Seq.find (fun struct(n, _) -> n = "conv2") |> fun struct(_, m) -> m :?> torch.nn.Module<torch.Tensor, torch.Tensor>)
let keep = mask.unsqueeze(1L).to_type(torch.float32)
let x1 = torch.nn.functional.relu(c1.call(emb)).mul(keep)
let x2 = torch.nn.functional.relu(c2.call(x1)).mul(keep)
printfn "dead conv1 %.2f conv2 %.2f" (x1.amax([|0L;2L|]).le(torch.tensor(0.0f)).to_type(torch.float32).mean().item<float32>()) (x2.amax([|0L;2L|]).le(torch.tensor(0.0f)).to_type(torch.float32).mean().item<float32>())
