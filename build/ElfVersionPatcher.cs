#nullable enable
// Marks version requirements on libstdc++ that the host cannot satisfy as weak (VER_FLG_WEAK),
// so the dynamic loader accepts libLibTorchSharp.so on hosts with an older libstdc++ (Debian 12).
// Compiled twice: into the MSBuild inline task (netstandard2.0 APIs only) and into the tests.
// Only the flag of the one Elf64_Vernaux entry that names a missing version is changed.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace GanSharp.Build
{
    public static class ElfVersionPatcher
    {
        public const ushort VerFlagWeak = 0x2;
        private const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>One version requirement found in .gnu.version_r.</summary>
        public sealed class Requirement
        {
            public string File = "";
            public string Version = "";
            public long FlagsOffset;
            public ushort Flags;
        }

        /// <summary>Parses every Elf64_Vernaux entry; throws InvalidDataException on a malformed file.</summary>
        public static List<Requirement> ReadRequirements(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("only little-endian ELF64 is supported");
            long shoff = (long)ReadU64(elf, 0x28);
            int shentsize = ReadU16(elf, 0x3A);
            int shnum = ReadU16(elf, 0x3C);
            if (shentsize < 0x40 || shoff <= 0 || shoff + (long)shentsize * shnum > elf.Length)
                throw new InvalidDataException("section header table out of range");
            var result = new List<Requirement>();
            for (int i = 0; i < shnum; i++)
            {
                long sh = shoff + (long)i * shentsize;
                if (ReadU32(elf, sh + 4) != ShtGnuVerneed) continue;
                long offset = (long)ReadU64(elf, sh + 0x18);
                long size = (long)ReadU64(elf, sh + 0x20);
                int link = (int)ReadU32(elf, sh + 0x28);
                int count = (int)ReadU32(elf, sh + 0x2C);
                if (link >= shnum || offset + size > elf.Length)
                    throw new InvalidDataException(".gnu.version_r out of range");
                long strSh = shoff + (long)link * shentsize;
                long strOff = (long)ReadU64(elf, strSh + 0x18);
                long strSize = (long)ReadU64(elf, strSh + 0x20);
                if (strOff + strSize > elf.Length)
                    throw new InvalidDataException(".dynstr out of range");
                long vn = offset;
                for (int n = 0; n < count; n++)
                {
                    if (vn + 16 > offset + size) throw new InvalidDataException("Elf64_Verneed out of range");
                    int cnt = ReadU16(elf, vn + 2);
                    string file = ReadString(elf, strOff, strSize, ReadU32(elf, vn + 4));
                    long aux = vn + ReadU32(elf, vn + 8);
                    for (int a = 0; a < cnt; a++)
                    {
                        if (aux + 16 > offset + size) throw new InvalidDataException("Elf64_Vernaux out of range");
                        result.Add(new Requirement
                        {
                            File = file,
                            Version = ReadString(elf, strOff, strSize, ReadU32(elf, aux + 8)),
                            FlagsOffset = aux + 4,
                            Flags = (ushort)ReadU16(elf, aux + 4),
                        });
                        uint nextAux = ReadU32(elf, aux + 12);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                    uint next = ReadU32(elf, vn + 12);
                    if (next == 0) break;
                    vn += next;
                }
            }
            return result;
        }

        /// <summary>
        /// Sets VER_FLG_WEAK on each non-weak libstdc++ requirement whose version string the host library
        /// lacks. Returns the versions changed (empty when nothing needed changing).
        /// </summary>
        public static List<string> Patch(byte[] elf, Func<string, bool> hostHasVersion)
        {
            var changed = new List<string>();
            foreach (var r in ReadRequirements(elf))
            {
                if (!r.File.StartsWith("libstdc++", StringComparison.Ordinal)) continue;
                if ((r.Flags & VerFlagWeak) != 0 || hostHasVersion(r.Version)) continue;
                ushort flags = (ushort)(r.Flags | VerFlagWeak);
                elf[r.FlagsOffset] = (byte)(flags & 0xff);
                elf[r.FlagsOffset + 1] = (byte)(flags >> 8);
                changed.Add(r.Version);
            }
            return changed;
        }

        /// <summary>Finds the host's libstdc++.so.6 (null when none is found, e.g. not Linux).</summary>
        public static string? FindHostLibStdCxx()
        {
            string[] dirs =
            {
                "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
            };
            foreach (var d in dirs)
            {
                string p = Path.Combine(d, "libstdc++.so.6");
                if (File.Exists(p)) return p;
            }
            return null;
        }

        /// <summary>True when the library bytes contain the NUL-terminated version string.</summary>
        public static bool ContainsVersionString(byte[] library, string version)
        {
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            for (int i = 0; i + needle.Length <= library.Length; i++)
            {
                if (library[i] != needle[0]) continue;
                int j = 1;
                while (j < needle.Length && library[i + j] == needle[j]) j++;
                if (j == needle.Length && (i == 0 || library[i - 1] == 0)) return true;
            }
            return false;
        }

        /// <summary>
        /// Patches a file in place (temp file + rename, original mtime kept). Returns the versions changed.
        /// A no-op when the host library is missing or already provides every version.
        /// </summary>
        public static List<string> PatchFile(string path, string? hostLibStdCxx)
        {
            if (hostLibStdCxx == null || !File.Exists(hostLibStdCxx)) return new List<string>();
            byte[] host = File.ReadAllBytes(hostLibStdCxx);
            byte[] elf = File.ReadAllBytes(path);
            var changed = Patch(elf, v => ContainsVersionString(host, v));
            if (changed.Count == 0) return changed;
            DateTime mtime = File.GetLastWriteTimeUtc(path);
            string tmp = path + ".patch-tmp";
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
            {
                fs.Write(elf, 0, elf.Length);
                fs.Flush(true);
            }
            // Replace by rename: a hard-linked NuGet-cache file is never modified in place.
            File.Delete(path);
            File.Move(tmp, path);
            File.SetLastWriteTimeUtc(path, mtime);
            return changed;
        }

        private static int ReadU16(byte[] b, long o) => b[o] | (b[o + 1] << 8);
        private static uint ReadU32(byte[] b, long o) =>
            (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));
        private static ulong ReadU64(byte[] b, long o) => ReadU32(b, o) | ((ulong)ReadU32(b, o + 4) << 32);

        private static string ReadString(byte[] b, long strOff, long strSize, uint index)
        {
            if (index >= strSize) throw new InvalidDataException("string index out of range");
            long start = strOff + index, end = start;
            while (end < strOff + strSize && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, (int)start, (int)(end - start));
        }
    }

#if !GANSHARP_NO_MSBUILD_TASK
    /// <summary>MSBuild task: patches each given libLibTorchSharp.so in the output directory.</summary>
    public class PatchLibTorchSharpElf : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        public override bool Execute()
        {
            if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux))
                return true;
            string? host = ElfVersionPatcher.FindHostLibStdCxx();
            foreach (var item in Files)
            {
                string path = item.ItemSpec;
                if (!File.Exists(path)) continue;
                try
                {
                    var changed = ElfVersionPatcher.PatchFile(path, host);
                    if (changed.Count > 0)
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                            "GanSharp: marked " + string.Join(", ", changed) + " weak in " + path + " (host libstdc++ lacks it)");
                }
                catch (Exception e)
                {
                    Log.LogWarning("GanSharp: could not patch " + path + ": " + e.Message);
                }
            }
            return true;
        }
    }
#endif
}
