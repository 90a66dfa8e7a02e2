using Xunit;
using System.Buffers.Binary;
using GanSharp.Data;

namespace GanSharp.Tests.Data;

public class IdxTests
{
    static readonly byte[] Pixels = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255];

    [Fact]
    public void ImagesRoundTripValuesAndDims()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir["imgs"], IdxFiles.Images(Pixels, 2, 2, 3));

        var (pixels, count, rows, cols) = Idx.ReadImages(dir["imgs"]);

        Assert.Equal((2, 2, 3), (count, rows, cols));
        Assert.Equal(Pixels, pixels);
    }

    [Fact]
    public void LabelsRoundTrip()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir["labels"], IdxFiles.Labels([7, 0, 9, 2]));

        Assert.Equal([7, 0, 9, 2], Idx.ReadLabels(dir["labels"]));
    }

    [Fact]
    public void GzipReadsTheSameAsRaw()
    {
        using var dir = new TempDir();
        var raw = IdxFiles.Images(Pixels, 2, 3, 2);
        File.WriteAllBytes(dir["raw"], raw);
        File.WriteAllBytes(dir["x.gz"], IdxFiles.Gzip(raw));
        File.WriteAllBytes(dir["l.gz"], IdxFiles.Gzip(IdxFiles.Labels([5, 6])));

        var fromRaw = Idx.ReadImages(dir["raw"]);
        var fromGz = Idx.ReadImages(dir["x.gz"]);

        Assert.Equal(fromRaw.Pixels, fromGz.Pixels);
        Assert.Equal((fromRaw.Count, fromRaw.Rows, fromRaw.Cols), (fromGz.Count, fromGz.Rows, fromGz.Cols));
        Assert.Equal([5, 6], Idx.ReadLabels(dir["l.gz"]));
    }

    [Fact]
    public void StreamOverloadsReadRawAndGzip()
    {
        var raw = IdxFiles.Images(Pixels, 1, 3, 4);
        using var rawStream = new MemoryStream(raw);
        using var gzStream = new MemoryStream(IdxFiles.Gzip(raw));

        Assert.Equal(Pixels, Idx.ReadImages(rawStream).Pixels);
        Assert.Equal(Pixels, Idx.ReadImages(gzStream).Pixels);
    }

    [Fact]
    public void TruncatedRawFileIsReportedWithSizes()
    {
        using var dir = new TempDir();
        var raw = IdxFiles.Images(Pixels, 2, 2, 3);
        File.WriteAllBytes(dir["short"], raw[..^5]);

        var e = Assert.Throws<DataException>(() => Idx.ReadImages(dir["short"]));

        Assert.Contains("truncated", e.Message);
        Assert.Contains(dir["short"], e.Message);
        Assert.Contains("12 bytes", e.Message);
        Assert.Contains("file has 7", e.Message);
    }

    [Fact]
    public void TruncatedGzipFileIsReported()
    {
        using var dir = new TempDir();
        var raw = IdxFiles.Images(Pixels, 2, 2, 3);
        File.WriteAllBytes(dir["short.gz"], IdxFiles.Gzip(raw[..^5]));

        var e = Assert.Throws<DataException>(() => Idx.ReadImages(dir["short.gz"]));

        Assert.Contains("truncated", e.Message);
        Assert.Contains("file has 7", e.Message);
    }

    [Fact]
    public void TruncatedLabelsAreReported()
    {
        var raw = IdxFiles.Labels([1, 2, 3, 4]);
        var e = Assert.Throws<DataException>(() => Idx.ReadLabels(new MemoryStream(raw[..^1]), "labels.idx"));
        Assert.Contains("labels.idx is truncated", e.Message);
    }

    [Fact]
    public void BadMagicIsRejected()
    {
        var bytes = IdxFiles.Images(Pixels, 2, 2, 3);
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x12345678);

        var e = Assert.Throws<DataException>(() => Idx.ReadImages(new MemoryStream(bytes), "junk.idx"));

        Assert.Contains("junk.idx", e.Message);
        Assert.Contains("0x12345678", e.Message);
    }

    [Fact]
    public void LabelsFilePassedAsImagesSaysWhatItIs()
    {
        var e = Assert.Throws<DataException>(() => Idx.ReadImages(new MemoryStream(IdxFiles.Labels([1, 2])), "l"));
        Assert.Contains("labels file", e.Message);
    }

    [Theory]
    [InlineData(100000, 100000, 1)]
    [InlineData(28, 28, int.MaxValue)]
    [InlineData(0, 28, 10)]
    [InlineData(28, -1, 10)]
    public void AbsurdHeaderIsRejectedBeforeAllocating(int rows, int cols, int count)
    {
        // Only the 16-byte header: a reader that allocated first would fail with OutOfMemory or truncation.
        var header = IdxFiles.Images([], count, rows, cols);

        var e = Assert.Throws<DataException>(() => Idx.ReadImages(new MemoryStream(header), "huge.idx"));

        Assert.Contains("impossible IDX header", e.Message);
    }

    [Fact]
    public void HeaderClaimingMoreThanAGzipCanHoldIsRejected()
    {
        // 1.6 GB claimed by a gzip of a few dozen bytes: refused without allocating 1.6 GB.
        var header = IdxFiles.Images([], 100, 4000, 4000);
        var e = Assert.Throws<DataException>(() => Idx.ReadImages(new MemoryStream(IdxFiles.Gzip(header)), "big.gz"));
        Assert.Contains("more than a gzip file of this size can hold", e.Message);
    }

    [Fact]
    public void PlausibleHeaderWithTooLittleGzipDataIsTruncated()
    {
        var header = IdxFiles.Images([], 1000, 28, 28);
        var e = Assert.Throws<DataException>(() => Idx.ReadImages(new MemoryStream(IdxFiles.Gzip(header)), "few.gz"));
        Assert.Contains("truncated", e.Message);
    }
}
