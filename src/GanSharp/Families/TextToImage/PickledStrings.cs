using System.Buffers.Binary;
using System.Text;
using GanSharp.Data;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// Reads a Python pickle holding only a list of strings (StackGAN's <c>train/filenames.pickle</c>), protocols 0–5,
/// written by Python 2 (str) or 3. Anything else is refused with a <see cref="DataException"/> that says how to write
/// the plain-text <c>filenames.txt</c> instead. Only data opcodes are read: nothing is ever executed.
/// </summary>
internal static class PickledStrings
{
    public static List<string> Read(string path, string fix)
    {
        byte[] b = File.ReadAllBytes(path);
        var stack = new List<object>();
        var marks = new Stack<int>();
        var memo = new Dictionary<long, object>();
        int pos = 0;
        DataException Bad(string why) => new($"{path}: {why}; {fix}");
        ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || pos + n > b.Length) throw Bad("the pickle is truncated");
            var s = b.AsSpan(pos, n);
            pos += n;
            return s;
        }
        string Line()
        {
            int end = Array.IndexOf(b, (byte)'\n', pos);
            if (end < 0) throw Bad("the pickle is truncated");
            var s = Encoding.Latin1.GetString(b, pos, end - pos);
            pos = end + 1;
            return s;
        }
        object Pop()
        {
            if (stack.Count == 0) throw Bad("the pickle is malformed (empty stack)");
            var top = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            return top;
        }
        List<object> PopToMark()
        {
            if (marks.Count == 0) throw Bad("the pickle is malformed (no mark)");
            int m = marks.Pop();
            var items = stack.GetRange(m, stack.Count - m);
            stack.RemoveRange(m, stack.Count - m);
            return items;
        }
        List<object> TopList() => stack.Count > 0 && stack[^1] is List<object> l ? l : throw Bad("the pickle appends to something that is not a list");

        while (true)
        {
            if (pos >= b.Length) throw Bad("the pickle is truncated (no STOP)");
            byte op = b[pos++];
            switch (op)
            {
                case 0x80: Take(1); break;                                                   // PROTO
                case 0x95: Take(8); break;                                                   // FRAME
                case (byte)'(': marks.Push(stack.Count); break;                              // MARK
                case (byte)']': stack.Add(new List<object>()); break;                        // EMPTY_LIST
                case (byte)'l': stack.Add(PopToMark()); break;                               // LIST
                case (byte)'a': { var v = Pop(); TopList().Add(v); break; }                  // APPEND
                case (byte)'e': { var items = PopToMark(); TopList().AddRange(items); break; } // APPENDS
                case (byte)'S': stack.Add(Unquote(Line(), Bad)); break;                      // STRING (protocol 0)
                case (byte)'V': stack.Add(Line()); break;                                    // UNICODE (protocol 0; plain names)
                case (byte)'U': case (byte)'C': stack.Add(Encoding.UTF8.GetString(Take(Take(1)[0]))); break;  // SHORT_BINSTRING, SHORT_BINBYTES
                case 0x8c: stack.Add(Encoding.UTF8.GetString(Take(Take(1)[0]))); break;     // SHORT_BINUNICODE
                case (byte)'T': case (byte)'X': case (byte)'B':                              // BINSTRING, BINUNICODE, BINBYTES
                    stack.Add(Encoding.UTF8.GetString(Take(checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))))); break;
                case 0x8d: stack.Add(Encoding.UTF8.GetString(Take(checked((int)BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))))); break; // BINUNICODE8
                case (byte)'p': memo[long.Parse(Line())] = Top(); break;                    // PUT
                case (byte)'q': memo[Take(1)[0]] = Top(); break;                            // BINPUT
                case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Top(); break; // LONG_BINPUT
                case 0x94: memo[memo.Count] = Top(); break;                                 // MEMOIZE
                case (byte)'g': stack.Add(Get(long.Parse(Line()))); break;                  // GET
                case (byte)'h': stack.Add(Get(Take(1)[0])); break;                          // BINGET
                case (byte)'j': stack.Add(Get(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // LONG_BINGET
                case (byte)'.':                                                              // STOP
                    if (stack.Count == 1 && stack[0] is List<object> list && list.All(x => x is string))
                        return list.Cast<string>().ToList();
                    throw Bad("the pickle does not hold a list of strings");
                default:
                    throw Bad($"the pickle holds more than a list of strings (opcode 0x{op:x2} at byte {pos - 1})");
            }
        }

        object Top() => stack.Count > 0 ? stack[^1] : throw Bad("the pickle is malformed (empty stack)");
        object Get(long key) => memo.TryGetValue(key, out var v) ? v : throw Bad("the pickle is malformed (unknown memo key)");
    }

    /// <summary>A protocol-0 STRING argument: a quoted Python 2 repr; names need no escapes beyond \\ and \'.</summary>
    static string Unquote(string s, Func<string, DataException> bad)
    {
        if (s.Length < 2 || s[0] != s[^1] || (s[0] != '\'' && s[0] != '"')) throw bad("the pickle has a malformed string");
        return s[1..^1].Replace("\\'", "'").Replace("\\\\", "\\");
    }
}
