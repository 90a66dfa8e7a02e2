namespace GanSharp.Interop;

/// <summary>One tensor under GanSharp's state-dict name and the reference implementation's name.</summary>
/// <param name="Ours">GanSharp's name (the module path in the state dict, without the checkpoint's "G."/"D." prefix).</param>
/// <param name="Theirs">The PyTorch state-dict name.</param>
/// <param name="TheirShape">
/// The PyTorch shape when it differs from ours (D's head: our Linear [1, c·4·4] is their Conv2d [1, c, 4, 4] over
/// the 4×4 map, the same numbers in the same order), or null.
/// </param>
public sealed record NameMapping(string Ours, string Theirs, long[]? TheirShape = null);

/// <summary>
/// GanSharp's dcgan32/dcgan64 networks (<see cref="Models.DcGan.Generator"/>, <see cref="Models.DcGan.Discriminator"/>)
/// against pytorch/examples <c>dcgan/main.py</c>, whose networks are one <c>nn.Sequential</c> called <c>main</c>:
/// G = [ConvT, BN, ReLU] × blocks, ConvT, Tanh; D = Conv, LReLU, [Conv, BN, LReLU] × (blocks − 1), Conv, Sigmoid.
/// So our layer i (up{i} / conv{i}) sits at Sequential index 3i (G) or 3i − 1 (D, i ≥ 1), its BatchNorm one after,
/// and BatchNorm carries weight, bias, running_mean, running_var and num_batches_tracked (int64 scalar) in both.
/// The reference is written for 64×64 (4 blocks); dcgan32 is the same network with one block fewer, so it gets
/// the same pattern (main.0 … main.9), which an <c>nn.Sequential</c> built the same way loads.
/// </summary>
public static class DcganPyTorchNames
{
    public const string Reference = "pytorch/examples dcgan/main.py";

    private static readonly string[] BatchNormTensors = { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" };

    /// <summary>Up/down-sampling blocks of the architecture, or null when it has no PyTorch reference.</summary>
    public static int? Blocks(string arch) => arch switch { "dcgan64" => 4, "dcgan32" => 3, _ => null };

    /// <summary>Every tensor of G (zDim → top·4·4 → … → channels·size²) in state-dict order.</summary>
    public static IReadOnlyList<NameMapping> Generator(string arch)
    {
        int blocks = Blocks(arch) ?? throw new ArgumentException($"architecture '{arch}' has no PyTorch reference names (dcgan32 and dcgan64 do)");
        var map = new List<NameMapping>();
        for (int i = 0; i < blocks; i++)
        {
            map.Add(new($"up{i}.weight", $"main.{3 * i}.weight"));                        // ConvTranspose2d, no bias
            foreach (var t in BatchNormTensors) map.Add(new($"up{i}_bn.{t}", $"main.{3 * i + 1}.{t}"));
        }
        map.Add(new($"up{blocks}.weight", $"main.{3 * blocks}.weight"));                 // to image channels
        return map;
    }

    /// <summary>
    /// Every tensor of D in state-dict order; <paramref name="topChannels"/> (c of the last 4×4 map, 8w for dcgan64)
    /// gives the reference's 4-D shape of the head.
    /// </summary>
    public static IReadOnlyList<NameMapping> Discriminator(string arch, long topChannels)
    {
        int blocks = Blocks(arch) ?? throw new ArgumentException($"architecture '{arch}' has no PyTorch reference names (dcgan32 and dcgan64 do)");
        var map = new List<NameMapping> { new("body.conv0.weight", "main.0.weight") };    // no BatchNorm on the input layer
        for (int i = 1; i < blocks; i++)
        {
            map.Add(new($"body.conv{i}.weight", $"main.{3 * i - 1}.weight"));
            foreach (var t in BatchNormTensors) map.Add(new($"body.conv{i}_bn.{t}", $"main.{3 * i}.{t}"));
        }
        map.Add(new("head.weight", $"main.{3 * blocks - 1}.weight", new[] { 1, topChannels, 4, 4 }));
        return map;
    }

    /// <summary>
    /// The mapping when a network's state dict is exactly the reference's (same tensor set), else null: e.g. D with
    /// spectral norm, packing, a minibatch layer or no BatchNorm, or G with virtual batch norm, which have no
    /// PyTorch counterpart and keep GanSharp's names.
    /// </summary>
    public static IReadOnlyList<NameMapping>? Match(IReadOnlyList<NameMapping> map, IEnumerable<string> ourNames)
    {
        var ours = ourNames.ToHashSet(StringComparer.Ordinal);
        return ours.SetEquals(map.Select(m => m.Ours)) ? map : null;
    }
}
