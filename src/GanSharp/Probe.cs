namespace GanSharp;
public static class Probe { public static string Hello() => TorchSharp.torch.ones(2).sum().item<float>().ToString(); }
