using System.Text.Json;
using GanSharp.Metrics;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Metrics;

public class FeatureNetworkTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", "featnet", name);

    /// <summary>The first 20 MNIST test digits (raw uint8 pixels) as N×1×28×28 in [-1, 1], and their labels.</summary>
    private static (Tensor Images, long[] Labels) First20()
    {
        byte[] pixels = File.ReadAllBytes(Fixture("mnist-test-first20.u8"));
        long[] labels = File.ReadAllBytes(Fixture("mnist-test-first20.labels")).Select(b => (long)b).ToArray();
        var images = tensor(pixels, [labels.Length, 1, 28, 28]).to_type(ScalarType.Float32).div_(127.5).sub_(1.0);
        return (images, labels);
    }

    [Fact]
    public void Embedded_mnist_cnn_loads_with_its_hash_and_classifies_known_digits()
    {
        using var net = FeatureNetworks.Load("mnist-cnn");
        Assert.Equal("mnist-cnn", net.Name);
        Assert.Equal(FeatureNetworks.CommittedHash("mnist-cnn"), net.Hash);
        Assert.Equal(new long[] { 1, 28, 28 }, net.InputShape);
        Assert.Equal(128, net.FeatureDim);
        Assert.Equal(10, net.NumClasses);

        var (images, labels) = First20();
        using var _ = images;
        var (features, logits) = net.Forward(images);
        using (features)
        using (logits)
        {
            Assert.Equal(new long[] { 20, 128 }, features.shape);
            Assert.Equal(ScalarType.Float32, features.dtype);
            Assert.Equal(new long[] { 20, 10 }, logits!.shape);
            long[] predicted = logits.argmax(1).data<long>().ToArray();
            int correct = predicted.Zip(labels).Count(p => p.First == p.Second);
            Assert.True(correct >= 19, $"{correct}/20 correct: predicted {string.Join(",", predicted)}, labels {string.Join(",", labels)}");
        }
    }

    [Fact]
    public void Embedded_fashion_cnn_loads_with_its_hash()
    {
        using var net = FeatureNetworks.Load("fashion-cnn");
        Assert.Equal(FeatureNetworks.CommittedHash("fashion-cnn"), net.Hash);
        Assert.NotEqual(FeatureNetworks.CommittedHash("mnist-cnn"), net.Hash);
        using var x = zeros(3, 1, 28, 28);
        var (f, l) = net.Forward(x);
        using (f)
        using (l)
            Assert.Equal(new long[] { 3, 128 }, f.shape);
    }

    [Fact]
    public void Forward_batches_give_the_same_features_as_one_pass()
    {
        using var net = FeatureNetworks.Load("mnist-cnn");
        var (images, _) = First20();
        using var many = images.repeat(30, 1, 1, 1); // 600 > one batch of 500
        images.Dispose();
        var (f, l) = net.Forward(many);
        using var head = many.narrow(0, 580, 20);
        var (f20, l20) = net.Forward(head);
        using (f) using (l) using (f20) using (l20)
        {
            Assert.Equal(600, f.shape[0]);
            Assert.True(f.narrow(0, 580, 20).allclose(f20, 1e-4, 1e-5));
            f.add_(1); // ordinary tensors: the caller may modify them in place
        }
    }

    [Fact]
    public void Corrupted_weights_file_gives_a_clear_error_naming_it()
    {
        using var dir = new TestUtil.TempDir();
        string path = Path.Combine(dir.Path, "broken.ckpt");
        byte[] bytes = FeatureNetworks.ReadResource("GanSharp.Metrics.Weights.mnist-cnn.ckpt");
        bytes[bytes.Length / 2] ^= 0x55;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<FeatureNetworkException>(() => FeatureNetworks.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("damaged", e.Message);

        // The committed weights are checked against the recorded SHA-256 before they are parsed.
        var h = Assert.Throws<FeatureNetworkException>(() =>
            DomainClassifier.FromBytes(bytes, "embedded mnist-cnn.ckpt", "mnist-cnn", FeatureNetworks.CommittedHash("mnist-cnn")));
        Assert.Contains("embedded mnist-cnn.ckpt", h.Message);
        Assert.Contains(FeatureNetworks.CommittedHash("mnist-cnn")!, h.Message);
    }

    [Fact]
    public void Unknown_name_and_missing_file_are_clear_errors()
    {
        var e = Assert.Throws<FeatureNetworkException>(() => FeatureNetworks.Load("cifar-cnn"));
        Assert.Contains("mnist-cnn", e.Message);
        var m = Assert.Throws<FeatureNetworkException>(() => FeatureNetworks.Load("/nonexistent/w.ckpt"));
        Assert.Contains("/nonexistent/w.ckpt", m.Message);
    }

    [Fact]
    public void Weights_round_trip_through_a_file()
    {
        using var dir = new TestUtil.TempDir();
        using var net = FeatureNetworks.Load("mnist-cnn");
        var dc = (DomainClassifier)net;
        string path = Path.Combine(dir.Path, "copy.ckpt");
        DomainClassifier.Save(path, dc.Module, (System.Text.Json.Nodes.JsonObject)dc.Header.DeepClone());
        using var again = FeatureNetworks.Load(path);
        var (images, _) = First20();
        using var __ = images;
        var (a, _) = net.Forward(images);
        var (b, _) = again.Forward(images);
        using (a) using (b) Assert.True(a.allclose(b, 0, 0));
    }

    [Fact]
    public void Stacked_mnist_channels_are_classified_separately()
    {
        using var net = FeatureNetworks.Load("mnist-cnn");
        var (images, labels) = First20();
        using var _ = images;
        // Digits 7, 2, 1 (test indices 0, 1, 2) and 0, 4, 9 (indices 3, 4, 7) stacked as RGB.
        using var a = cat([images[0], images[1], images[2]], 0).unsqueeze(0);
        using var b = cat([images[3], images[4], images[7]], 0).unsqueeze(0);
        using var stacked = cat([a, b], 0);                   // 2 x 3 x 28 x 28
        using var digits = FeatureNetworks.PredictDigitsPerChannel(net, stacked);
        Assert.Equal(ScalarType.Int64, digits.dtype);
        Assert.Equal(new long[] { 2, 3 }, digits.shape);
        Assert.Equal(new long[] { labels[0], labels[1], labels[2], labels[3], labels[4], labels[7] }, digits.data<long>().ToArray());
    }

    private static (Tensor Input, float[,] Expected) TinyFixture()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixture("tiny_featnet.expected.json")));
        var rows = doc.RootElement.GetProperty("output").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        var expected = new float[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[i].Length; j++) expected[i, j] = rows[i][j];
        var input = linspace(0, 1, 2 * 3 * 32 * 32, dtype: ScalarType.Float32).reshape(2, 3, 32, 32);
        return (input, expected);
    }

    private static void AssertClose(float[,] expected, Tensor actual)
    {
        Assert.Equal(new long[] { expected.GetLength(0), expected.GetLength(1) }, actual.shape);
        var a = actual.to(ScalarType.Float32).data<float>().ToArray();
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                Assert.True(Math.Abs(expected[i, j] - a[i * expected.GetLength(1) + j]) <= 1e-5,
                    $"[{i},{j}]: expected {expected[i, j]}, got {a[i * expected.GetLength(1) + j]}");
    }

    [Fact]
    public void TorchScript_fixture_reproduces_pytorch_outputs_raw()
    {
        var (input, expected) = TinyFixture();
        using var _ = input;
        using var module = jit.load(Fixture("tiny_featnet.pt"));
        module.eval();
        using var output = (Tensor)module.call(input);
        AssertClose(expected, output);
    }

    [Fact]
    public void TorchScript_fixture_through_the_feature_network_with_the_0_1_contract()
    {
        var (input, expected) = TinyFixture();
        using var _ = input;
        var contract = new TorchScriptInputContract { Range = InputRange.ZeroToOne, InputShape = [3, 32, 32] };
        using var net = FeatureNetworks.Load(Fixture("tiny_featnet.pt"), contract);
        Assert.Equal(16, net.FeatureDim);
        Assert.Equal(0, net.NumClasses);
        Assert.Equal(64, net.Hash.Length);
        using var images = input.mul(2).sub(1); // GanSharp's [-1, 1] convention
        var (features, logits) = net.Forward(images);
        using (features)
        {
            Assert.Null(logits);
            AssertClose(expected, features);
        }
    }

    [Fact]
    public void TorchScript_network_resizes_and_repeats_gray_channels()
    {
        var contract = new TorchScriptInputContract { Range = InputRange.ZeroToOne, InputShape = [3, 32, 32] };
        using var net = FeatureNetworks.Load(Fixture("tiny_featnet.pt"), contract);
        using var gray = zeros(4, 1, 28, 28);
        var (f, _) = net.Forward(gray);
        using var rgb = full(new long[] { 1, 3, 32, 32 }, 0f);
        var (g, _) = net.Forward(rgb);
        using (f) using (g)
        {
            Assert.Equal(new long[] { 4, 16 }, f.shape);
            Assert.True(f[0].unsqueeze(0).allclose(g, 1e-5, 1e-6)); // a constant image stays constant when resized
        }
        Assert.Throws<ArgumentException>(() => net.Forward(zeros(1, 2, 32, 32)));
    }

    [Fact]
    public void Not_a_TorchScript_file_is_a_clear_error()
    {
        using var dir = new TestUtil.TempDir();
        string path = Path.Combine(dir.Path, "junk.pt");
        File.WriteAllText(path, "not a zip");
        var e = Assert.Throws<FeatureNetworkException>(() => FeatureNetworks.Load(path));
        Assert.Contains(path, e.Message);
    }
}
