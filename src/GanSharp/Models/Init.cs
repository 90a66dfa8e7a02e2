using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Models;

/// <summary>Weight initialisation shared by the model families.</summary>
public static class Init
{
    /// <summary>
    /// DCGAN (Radford et al. 2015) init: conv and linear weights ~ N(0, 0.02), BatchNorm weight ~ N(1, 0.02),
    /// biases 0. Draws from the global torch generator: seed it before building a model.
    /// </summary>
    public static void Dcgan(nn.Module module)
    {
        using var _ = no_grad();
        foreach (var (_, m) in module.named_modules())
        {
            switch (m)
            {
                case TorchSharp.Modules.Conv2d c:
                    nn.init.normal_(c.weight, 0, 0.02);
                    if (c.bias is not null) nn.init.zeros_(c.bias);
                    break;
                case TorchSharp.Modules.ConvTranspose2d t:
                    nn.init.normal_(t.weight, 0, 0.02);
                    if (t.bias is not null) nn.init.zeros_(t.bias);
                    break;
                case TorchSharp.Modules.Linear l:
                    nn.init.normal_(l.weight, 0, 0.02);
                    if (l.bias is not null) nn.init.zeros_(l.bias);
                    break;
                case TorchSharp.Modules.BatchNorm2d b:
                    nn.init.normal_(b.weight, 1, 0.02);
                    nn.init.zeros_(b.bias);
                    break;
                case TorchSharp.Modules.BatchNorm1d b:
                    nn.init.normal_(b.weight, 1, 0.02);
                    nn.init.zeros_(b.bias);
                    break;
                case TorchSharp.Modules.GroupNorm g:     // as BatchNorm (TorchSharp leaves its affine parameters unset)
                    nn.init.normal_(g.weight, 1, 0.02);
                    nn.init.zeros_(g.bias);
                    break;
            }
        }
    }
}
