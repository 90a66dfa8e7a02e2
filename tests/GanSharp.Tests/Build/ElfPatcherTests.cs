using System.Text;
using GanSharp.Build;
using Xunit;

namespace GanSharp.Tests.Build;

public class ElfPatcherTests
{
    /// <summary>
    /// A minimal ELF64 with .dynstr and .gnu.version_r: libstdc++.so.6 needs GLIBCXX_3.4.32 and GLIBCXX_3.4,
    /// libc.so.6 needs GLIBC_2.34.
    /// </summary>
    private static byte[] SyntheticElf(out long flagsOfMissing)
    {
        var dynstr = new MemoryStream();
        int Str(string s)
        {
            int at = (int)dynstr.Length;
            dynstr.Write(Encoding.ASCII.GetBytes(s + "\0"));
            return at;
        }
        Str("");
        int libstdcxx = Str("libstdc++.so.6"), libc = Str("libc.so.6");
        int v432 = Str("GLIBCXX_3.4.32"), v34 = Str("GLIBCXX_3.4"), glibc = Str("GLIBC_2.34");
        byte[] strs = dynstr.ToArray();

        var verneed = new MemoryStream();
        var w = new BinaryWriter(verneed);
        // Verneed 1: libstdc++ with 2 aux entries, next at 16 + 2*16 = 48
        w.Write((ushort)1); w.Write((ushort)2); w.Write(libstdcxx); w.Write(16); w.Write(48);
        w.Write(0u); w.Write((ushort)0); w.Write((ushort)2); w.Write(v432); w.Write(16);   // aux: flags 0
        w.Write(0u); w.Write((ushort)0); w.Write((ushort)3); w.Write(v34); w.Write(0);
        // Verneed 2: libc with 1 aux entry, last
        w.Write((ushort)1); w.Write((ushort)1); w.Write(libc); w.Write(16); w.Write(0);
        w.Write(0u); w.Write((ushort)0); w.Write((ushort)4); w.Write(glibc); w.Write(0);
        byte[] vn = verneed.ToArray();

        byte[] shstr = Encoding.ASCII.GetBytes("\0.dynstr\0.gnu.version_r\0.shstrtab\0");
        int dataStart = 64;
        int strOff = dataStart, vnOff = strOff + strs.Length, shstrOff = vnOff + vn.Length;
        int shoff = (shstrOff + shstr.Length + 7) / 8 * 8;
        var elf = new byte[shoff + 4 * 64];
        elf[0] = 0x7f; elf[1] = (byte)'E'; elf[2] = (byte)'L'; elf[3] = (byte)'F'; elf[4] = 2; elf[5] = 1; elf[6] = 1;
        BitConverter.GetBytes((ulong)shoff).CopyTo(elf, 0x28);
        BitConverter.GetBytes((ushort)64).CopyTo(elf, 0x3A);
        BitConverter.GetBytes((ushort)4).CopyTo(elf, 0x3C);
        BitConverter.GetBytes((ushort)3).CopyTo(elf, 0x3E);
        strs.CopyTo(elf, strOff); vn.CopyTo(elf, vnOff); shstr.CopyTo(elf, shstrOff);
        void Section(int i, uint name, uint type, int off, int size, uint link, uint info)
        {
            int sh = shoff + i * 64;
            BitConverter.GetBytes(name).CopyTo(elf, sh);
            BitConverter.GetBytes(type).CopyTo(elf, sh + 4);
            BitConverter.GetBytes((ulong)off).CopyTo(elf, sh + 0x18);
            BitConverter.GetBytes((ulong)size).CopyTo(elf, sh + 0x20);
            BitConverter.GetBytes(link).CopyTo(elf, sh + 0x28);
            BitConverter.GetBytes(info).CopyTo(elf, sh + 0x2C);
        }
        Section(1, 1, 3, strOff, strs.Length, 0, 0);                  // .dynstr (SHT_STRTAB)
        Section(2, 9, 0x6ffffffe, vnOff, vn.Length, 1, 2);            // .gnu.version_r → link .dynstr, 2 entries
        Section(3, 24, 3, shstrOff, shstr.Length, 0, 0);              // .shstrtab
        flagsOfMissing = vnOff + 16 + 4;                              // first aux entry's vna_flags
        return elf;
    }

    [Fact]
    public void ParsesEveryRequirement()
    {
        var reqs = ElfVersionPatcher.ReadRequirements(SyntheticElf(out _));
        Assert.Equal(new[] { "libstdc++.so.6:GLIBCXX_3.4.32", "libstdc++.so.6:GLIBCXX_3.4", "libc.so.6:GLIBC_2.34" },
            reqs.Select(r => r.File + ":" + r.Version).ToArray());
    }

    [Fact]
    public void FlipsExactlyTheWeakFlagOfTheMissingVersion()
    {
        byte[] original = SyntheticElf(out long flagsAt);
        byte[] patched = (byte[])original.Clone();
        var changed = ElfVersionPatcher.Patch(patched, v => v != "GLIBCXX_3.4.32");
        Assert.Equal(new[] { "GLIBCXX_3.4.32" }, changed);
        var diffs = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        Assert.Equal(new[] { (int)flagsAt }, diffs);
        Assert.Equal(ElfVersionPatcher.VerFlagWeak, patched[flagsAt]);
        // Idempotent: a second pass changes nothing.
        Assert.Empty(ElfVersionPatcher.Patch(patched, v => v != "GLIBCXX_3.4.32"));
    }

    [Fact]
    public void NoOpWhenTheHostHasEveryVersion()
    {
        byte[] elf = SyntheticElf(out _);
        byte[] copy = (byte[])elf.Clone();
        Assert.Empty(ElfVersionPatcher.Patch(copy, _ => true));
        Assert.Equal(elf, copy);
    }

    [Fact]
    public void RejectsNonElfAndTruncatedFiles()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.ReadRequirements(Encoding.ASCII.GetBytes(new string('x', 100))));
        byte[] elf = SyntheticElf(out _);
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.ReadRequirements(elf[..(elf.Length - 100)]));
    }

    [Fact]
    public void VersionStringMatchIsExact()
    {
        byte[] lib = Encoding.ASCII.GetBytes("\0GLIBCXX_3.4.30\0GLIBCXX_3.4.3\0");
        Assert.True(ElfVersionPatcher.ContainsVersionString(lib, "GLIBCXX_3.4.30"));
        Assert.True(ElfVersionPatcher.ContainsVersionString(lib, "GLIBCXX_3.4.3"));
        Assert.False(ElfVersionPatcher.ContainsVersionString(lib, "GLIBCXX_3.4.32"));
        Assert.False(ElfVersionPatcher.ContainsVersionString(lib, "GLIBCXX_3.4"));
    }

    [Fact]
    public void BuildOutputCopyIsLoadableOnThisHost()
    {
        // The build patched the copy next to the test assembly when (and only when) the host lacks a version.
        // GanSharp builds for linux-x64 only (libtorch-cpu-linux-x64), so each precondition is asserted, not skipped.
        Assert.True(OperatingSystem.IsLinux(), "the test project runs on Linux only (libtorch-cpu-linux-x64)");
        string? host = ElfVersionPatcher.FindHostLibStdCxx();
        Assert.True(host is not null, "no libstdc++.so.6 found in the usual library directories, yet libtorch needs one");
        string lib = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(lib), $"{lib} is missing from the test output: the build copies the host's natives");
        byte[] hostBytes = File.ReadAllBytes(host!);
        var libstdcxx = ElfVersionPatcher.ReadRequirements(File.ReadAllBytes(lib))
            .Where(r => r.File.StartsWith("libstdc++", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(libstdcxx); // libLibTorchSharp.so is C++: it always names libstdc++ versions
        foreach (var r in libstdcxx)
            if (!ElfVersionPatcher.ContainsVersionString(hostBytes, r.Version))
                Assert.True((r.Flags & ElfVersionPatcher.VerFlagWeak) != 0, $"{r.Version} is missing on the host but not weak");
        using var t = TorchSharp.torch.ones(2); // and it loads
        Assert.Equal(2f, t.sum().item<float>());
    }
}
