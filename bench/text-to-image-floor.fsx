// The real-data reference points of docs/text-to-image.md's table, with the cached judges of the caption metrics:
// classifier-FID and caption consistency of real shapes images (a) against independent real images (another data
// seed), and (b) after the resizing that puts StackGAN's stages at the judges' 32 px (16 px upsampled, 64 px
// area-averaged), so the Stage-I and Stage-II rows can be read against what resizing alone costs.
// Needs a Release build of the CLI (dotnet build src/GanSharp.Cli -c Release) and the judge cached by a
// caption-consistency eval (~/.cache/gansharp/stats).
// usage: dotnet fsi bench/text-to-image-floor.fsx [N]   (N captions per set, default 1000)
#I __SOURCE_DIRECTORY__
#I "../src/GanSharp.Cli/bin/Release/net10.0"
#r "TorchSharp.dll"
#r "GanSharp.dll"
#r "GanSharp.Cli.dll"
open System
open TorchSharp
open GanSharp.Metrics
open GanSharp.Families.TextToImage

GanSharp.Cli.TorchRuntime.EnsureLoaded()
torch.set_num_threads(1)
let n = if fsi.CommandLineArgs.Length > 1 then int fsi.CommandLineArgs.[1] else 1000
let home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)
let stats = IO.Path.Combine(home, ".cache", "gansharp", "stats")
let log = Action<string>(fun s -> eprintfn "%s" s)
use classifier = TextToImageJudges.AttributeClassifier(stats, log)
let side = TextToImageJudges.Side
let load size seed split =
    let d = CaptionedShapes.Load(n, size, seed, split, null, log)
    d, d.Gather(torch.arange(int64 d.Count))
let (ref32, x32) = load side TextToImageJudges.DataSeed "test"
let f32 = AttributeClassifierTrainer.Features(classifier, x32, side)
let attributes (d: GanSharp.Data.TensorDataset) = d.ExtraFields.[CaptionFields.Attributes]
let report name (d: GanSharp.Data.TensorDataset) (x: torch.Tensor) =
    let fid = Fid.Compute(AttributeClassifierTrainer.Features(classifier, x, side), f32)
    let s = CaptionConsistency.Score(AttributeClassifierTrainer.Predict(classifier, x, side), attributes d)
    printfn "%-46s fid_attr %9.2f  all %.3f  count %.3f  background %.3f  shape %.3f  colour %.3f  size %.3f  position %.3f"
        name fid s.AllMatch s.Count s.Background s.Shape s.Colour s.Size s.Position
printfn "test split, data seed %d, %d images at %d px: the reference set of every row" TextToImageJudges.DataSeed n side
report "same images (0 by construction)" ref32 x32
let (other, xo) = load side 20240L "test"
report "independent real images (data seed 20240)" other xo
let (d16, x16) = load 16 TextToImageJudges.DataSeed "test"
report "same scenes drawn at 16 px, upsampled to 32" d16 x16
let (d64, x64) = load 64 TextToImageJudges.DataSeed "test"
report "same scenes drawn at 64 px, area-averaged to 32" d64 x64
