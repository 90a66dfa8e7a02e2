using System.Text;
using GanSharp.Data;
using GanSharp.Families.TextToImage;
using Xunit;

namespace GanSharp.Tests.Families.TextToImage;

public class PickledStringsTests
{
    static readonly string[] Names = ["001.Black_footed_Albatross/Black_footed_Albatross_0001_796111", "002.Laysan_Albatross/Laysan_Albatross_0002_1027"];

    // pickle.dumps(Names, protocol=p) from Python 3.
    const string Protocol0 = "286c70300a563030312e426c61636b5f666f6f7465645f416c626174726f73732f426c61636b5f666f6f7465645f416c626174726f73735f303030315f3739363131310a70310a61563030322e4c617973616e5f416c626174726f73732f4c617973616e5f416c626174726f73735f303030325f313032370a70320a612e";
    const string Protocol2 = "80025d710028583d0000003030312e426c61636b5f666f6f7465645f416c626174726f73732f426c61636b5f666f6f7465645f416c626174726f73735f303030315f3739363131317101582f0000003030322e4c617973616e5f416c626174726f73732f4c617973616e5f416c626174726f73735f303030325f313032377102652e";
    const string Protocol4 = "80049577000000000000005d94288c3d3030312e426c61636b5f666f6f7465645f416c626174726f73732f426c61636b5f666f6f7465645f416c626174726f73735f303030315f373936313131948c2f3030322e4c617973616e5f416c626174726f73732f4c617973616e5f416c626174726f73735f303030325f3130323794652e";
    const string Dict = "80027d710058010000006171014b01732e";   // {'a': 1}

    static List<string> Read(byte[] bytes)
    {
        using var dir = new TestUtil.TempDir();
        var path = Path.Combine(dir.Path, "filenames.pickle");
        File.WriteAllBytes(path, bytes);
        return PickledStrings.Read(path, "convert it");
    }

    [Theory]
    [InlineData(Protocol0)]
    [InlineData(Protocol2)]
    [InlineData(Protocol4)]
    public void ReadsPython3Pickles(string hex) => Assert.Equal(Names, Read(Convert.FromHexString(hex)));

    [Fact]
    public void ReadsPython2StrPickles()
    {
        // Python 2 cPickle, protocol 0: (lp0 / S'...' / p1 / a ... / . ; protocol 2: SHORT_BINSTRING 'U' with BINPUT, a memo GET.
        var p0 = Encoding.ASCII.GetBytes($"(lp0\nS'{Names[0]}'\np1\naS'{Names[1]}'\np2\nag1\na.");
        Assert.Equal([Names[0], Names[1], Names[0]], Read(p0));
        var p2 = new List<byte> { 0x80, 2, (byte)']', (byte)'q', 0, (byte)'(' };
        foreach (var n in Names) { p2.Add((byte)'U'); p2.Add((byte)n.Length); p2.AddRange(Encoding.ASCII.GetBytes(n)); p2.Add((byte)'q'); p2.Add(1); }
        p2.AddRange(new[] { (byte)'e', (byte)'.' });
        Assert.Equal(Names, Read(p2.ToArray()));
    }

    [Theory]
    [InlineData(Dict, "more than a list of strings")]
    [InlineData("80025d7100285803000000", "truncated")]
    public void AnythingElseIsOneClearError(string hex, string expected)
    {
        var e = Assert.Throws<DataException>(() => Read(Convert.FromHexString(hex)));
        Assert.Contains(expected, e.Message);
        Assert.EndsWith("convert it", e.Message);
    }

    [Fact]
    public void AnEmptyListIsAnEmptyList() => Assert.Empty(Read(Convert.FromHexString("80025d71002e")));

    [Fact]
    public void TheCaptionFolderReadsStackGansPickle()
    {
        using var dir = new TestUtil.TempDir();
        foreach (var name in Names)
        {
            var (cls, image) = (name[..name.IndexOf('/')], name[(name.IndexOf('/') + 1)..]);
            Directory.CreateDirectory(Path.Combine(dir.Path, "text_c10", cls));
            File.WriteAllText(Path.Combine(dir.Path, "text_c10", cls, image + ".txt"), "a bird\n");
            GanSharp.Imaging.ImageFile.SavePng(Path.Combine(dir.Path, "CUB_200_2011", "images", cls, image + ".png"), new byte[4 * 4 * 3], 4, 4, 3);
        }
        Directory.CreateDirectory(Path.Combine(dir.Path, "train"));
        File.WriteAllBytes(Path.Combine(dir.Path, "train", "filenames.pickle"), Convert.FromHexString(Protocol2));
        using var data = CaptionFolder.Load(dir.Path, "train", 4);
        Assert.Equal(new long[] { 0, 1 }, data.Labels!.data<long>().ToArray());
    }
}
