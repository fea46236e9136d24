using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>One successful exec as the kernel's audit subsystem recorded it at exec time.</summary>
    internal sealed class AuditExec
    {
        /// <summary>The process (tgid) that executed.</summary>
        internal int Pid { get; set; }

        /// <summary>Its parent.</summary>
        internal int ParentPid { get; set; }

        /// <summary>Real uid.</summary>
        internal uint? Uid { get; set; }

        /// <summary>The executable the process runs after the exec.</summary>
        internal string? Exe { get; set; }

        /// <summary>Working folder at exec time.</summary>
        internal string? Cwd { get; set; }

        /// <summary>Arguments joined by spaces (as /proc's command line is reported).</summary>
        internal string? CommandLine { get; set; }

        /// <summary>Arguments or bytes beyond the bounds were left out.</summary>
        internal bool Truncated { get; set; }

        /// <summary>The kernel's time of the event (milliseconds).</summary>
        internal DateTimeOffset Time { get; set; }

        /// <summary>The event's serial number.</summary>
        internal ulong Serial { get; set; }
    }

    /// <summary>
    /// Assembles audit records (AUDIT_SYSCALL 1300, AUDIT_EXECVE 1309, AUDIT_CWD 1307, ended by AUDIT_EOE 1320; records of
    /// one event share the serial of <c>audit(sec.msec:serial)</c>) into <see cref="AuditExec"/>s. Bounded in arguments and
    /// bytes per event and in events pending; malformed text is counted, never thrown. Not thread-safe.
    /// </summary>
    internal sealed class AuditRecordAssembler
    {
        internal const int AuditSyscall = 1300;
        internal const int AuditCwd = 1307;
        internal const int AuditExecve = 1309;
        internal const int AuditEoe = 1320;

        private readonly Dictionary<ulong, Pending> _pending = new Dictionary<ulong, Pending>();
        private readonly Queue<ulong> _order = new Queue<ulong>();
        private readonly string _key;

        /// <summary>Creates an assembler that accepts only events of the rule whose key is <paramref name="key"/> (null: any).</summary>
        internal AuditRecordAssembler(string? key, int maxArguments = 1024, int maxBytes = 32 * 1024, int maxPending = 512)
        {
            _key = key ?? string.Empty;
            MaxArguments = Math.Max(1, maxArguments);
            MaxBytes = Math.Max(64, maxBytes);
            MaxPending = Math.Max(1, maxPending);
        }

        internal int MaxArguments { get; }

        internal int MaxBytes { get; }

        internal int MaxPending { get; }

        /// <summary>Records that did not parse (no header, bad numbers, bad hex).</summary>
        internal long Malformed { get; private set; }

        /// <summary>Events dropped because too many were pending (their end record never came).</summary>
        internal long DroppedPending { get; private set; }

        /// <summary>Events completed that were not a successful exec of our rule (failed exec, another rule, no arguments).</summary>
        internal long Ignored { get; private set; }

        /// <summary>Events incomplete now.</summary>
        internal int PendingCount => _pending.Count;

        /// <summary>Counts a record the caller could not even hand over (bad netlink lengths).</summary>
        internal void CountMalformed() => Malformed++;

        /// <summary>Takes one record; returns the exec it completes, or null.</summary>
        internal AuditExec? Add(int type, string text)
        {
            if (type != AuditSyscall && type != AuditExecve && type != AuditCwd && type != AuditEoe)
            {
                return null;
            }

            if (!TryHeader(text, out long milliseconds, out ulong serial, out int body))
            {
                Malformed++;
                return null;
            }

            if (!_pending.TryGetValue(serial, out Pending? pending))
            {
                if (type == AuditEoe)
                {
                    return null; // an event none of whose records we kept
                }

                AuditExec? evicted = null;
                if (_pending.Count >= MaxPending)
                {
                    // The oldest event's end never came: finish it with what it has.
                    while (_order.Count > 0 && !_pending.ContainsKey(_order.Peek()))
                    {
                        _order.Dequeue();
                    }

                    if (_order.Count > 0)
                    {
                        ulong oldest = _order.Dequeue();
                        Pending old = _pending[oldest];
                        _pending.Remove(oldest);
                        DroppedPending++;
                        evicted = Complete(old);
                    }
                }

                pending = new Pending(serial, milliseconds);
                _pending[serial] = pending;
                _order.Enqueue(serial);
                if (evicted is not null)
                {
                    Apply(pending, type, text, body);
                    return evicted;
                }
            }

            if (type == AuditEoe)
            {
                _pending.Remove(serial);
                return Complete(pending);
            }

            Apply(pending, type, text, body);
            return null;
        }

        /// <summary>Parses <c>audit(SEC.MSEC:SERIAL):</c>, returning where the fields start.</summary>
        internal static bool TryHeader(string text, out long milliseconds, out ulong serial, out int body)
        {
            milliseconds = 0;
            serial = 0;
            body = 0;
            int start = text.IndexOf("audit(", StringComparison.Ordinal);
            if (start < 0)
            {
                return false;
            }

            int dot = text.IndexOf('.', start + 6);
            int colon = dot < 0 ? -1 : text.IndexOf(':', dot);
            int close = colon < 0 ? -1 : text.IndexOf(')', colon);
            if (close < 0
                || !long.TryParse(text.Substring(start + 6, dot - start - 6), NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
                || !int.TryParse(text.Substring(dot + 1, colon - dot - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int ms)
                || !ulong.TryParse(text.Substring(colon + 1, close - colon - 1), NumberStyles.None, CultureInfo.InvariantCulture, out serial)
                || seconds > 253402300799L || ms > 999)
            {
                return false;
            }

            milliseconds = (seconds * 1000) + ms;
            body = close + 1;
            if (body < text.Length && text[body] == ':')
            {
                body++;
            }

            return true;
        }

        /// <summary>The <c>name=value</c> fields of a record's text from <paramref name="start"/>; values keep their quotes.</summary>
        internal static List<KeyValuePair<string, string>> Fields(string text, int start)
        {
            var fields = new List<KeyValuePair<string, string>>(24);
            int i = start;
            while (i < text.Length)
            {
                while (i < text.Length && (text[i] == ' ' || text[i] == '\n' || text[i] == '\0' || text[i] == '\x1d'))
                {
                    i++;
                }

                int nameStart = i;
                while (i < text.Length && text[i] != '=' && text[i] != ' ')
                {
                    i++;
                }

                if (i >= text.Length || text[i] != '=')
                {
                    continue; // a word without a value
                }

                string name = text.Substring(nameStart, i - nameStart);
                i++;
                int valueStart = i;
                if (i < text.Length && (text[i] == '"' || text[i] == '\''))
                {
                    char quote = text[i];
                    int end = text.IndexOf(quote, i + 1);
                    i = end < 0 ? text.Length : end + 1;
                }
                else
                {
                    while (i < text.Length && text[i] != ' ' && text[i] != '\n' && text[i] != '\0')
                    {
                        i++;
                    }
                }

                fields.Add(new KeyValuePair<string, string>(name, text.Substring(valueStart, i - valueStart)));
            }

            return fields;
        }

        /// <summary>
        /// A value as the kernel wrote it: <c>"text"</c> quoted, or hex-encoded bytes (when it holds spaces, quotes or
        /// controls), or <c>(null)</c>. Null when it is neither quoted nor valid hex.
        /// </summary>
        internal static string? Decode(string value)
        {
            if (value.Length >= 2 && value[0] == '"' && value[value.Length - 1] == '"')
            {
                return value.Substring(1, value.Length - 2);
            }

            if (value.Length == 0 || value == "(null)" || (value.Length & 1) != 0)
            {
                return null;
            }

            var bytes = new byte[value.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                int high = Hex(value[2 * i]);
                int low = Hex(value[(2 * i) + 1]);
                if (high < 0 || low < 0)
                {
                    return null;
                }

                bytes[i] = (byte)((high << 4) | low);
            }

            return Encoding.UTF8.GetString(bytes);
        }

        private static int Hex(char c) => c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

        private void Apply(Pending pending, int type, string text, int body)
        {
            List<KeyValuePair<string, string>> fields = Fields(text, body);
            switch (type)
            {
                case AuditSyscall:
                    pending.HasSyscall = true;
                    foreach (KeyValuePair<string, string> f in fields)
                    {
                        switch (f.Key)
                        {
                            case "success":
                                pending.Success = f.Value == "yes";
                                break;
                            case "pid":
                                pending.Pid = Int(f.Value, ref pending.Bad);
                                break;
                            case "ppid":
                                pending.ParentPid = Int(f.Value, ref pending.Bad);
                                break;
                            case "uid":
                                pending.Uid = uint.TryParse(f.Value, NumberStyles.None, CultureInfo.InvariantCulture, out uint uid) ? uid : (uint?)null;
                                break;
                            case "exe":
                                pending.Exe = Decode(f.Value);
                                break;
                            case "key":
                                pending.Key = Decode(f.Value);
                                break;
                        }
                    }

                    break;
                case AuditCwd:
                    foreach (KeyValuePair<string, string> f in fields)
                    {
                        if (f.Key == "cwd")
                        {
                            pending.Cwd = Decode(f.Value);
                        }
                    }

                    break;
                case AuditExecve:
                    pending.HasExecve = true;
                    foreach (KeyValuePair<string, string> f in fields)
                    {
                        ApplyArgument(pending, f.Key, f.Value);
                    }

                    break;
            }
        }

        private void ApplyArgument(Pending pending, string name, string value)
        {
            if (name == "argc")
            {
                pending.Argc = Int(value, ref pending.Bad);
                return;
            }

            // a7="x" | a7=HEX | a7_len=N | a7[0]=chunk
            if (name.Length < 2 || name[0] != 'a' || name[1] < '0' || name[1] > '9')
            {
                return;
            }

            int i = 1;
            int index = 0;
            while (i < name.Length && name[i] >= '0' && name[i] <= '9' && index < 10_000_000)
            {
                index = (index * 10) + (name[i] - '0');
                i++;
            }

            if (i < name.Length && name[i] == '_')
            {
                return; // aN_len: the chunks tell the rest
            }

            if (index >= MaxArguments)
            {
                pending.Truncated = true;
                return;
            }

            string? decoded = Decode(value);
            if (decoded is null)
            {
                pending.Bad = true;
                return;
            }

            if (pending.Bytes + decoded.Length > MaxBytes)
            {
                pending.Truncated = true;
                decoded = decoded.Substring(0, Math.Max(0, MaxBytes - pending.Bytes));
            }

            pending.Bytes += decoded.Length;
            if (i < name.Length && name[i] == '[')
            {
                pending.Argument(index).Append(decoded); // one chunk of a long argument, in order
            }
            else if (i == name.Length)
            {
                StringBuilder argument = pending.Argument(index);
                argument.Clear();
                argument.Append(decoded);
            }
        }

        private AuditExec? Complete(Pending pending)
        {
            if (pending.Bad)
            {
                Malformed++;
            }

            if (!pending.HasSyscall || !pending.HasExecve || !pending.Success || pending.Pid <= 0
                || (_key.Length > 0 && !string.Equals(pending.Key, _key, StringComparison.Ordinal)))
            {
                Ignored++;
                return null;
            }

            int count = pending.Arguments.Count;
            if (pending.Argc > 0 && pending.Argc < count)
            {
                count = pending.Argc;
            }

            var line = new StringBuilder(pending.Bytes + count);
            for (int i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    line.Append(' ');
                }

                line.Append(pending.Arguments[i]);
            }

            return new AuditExec
            {
                Pid = pending.Pid,
                ParentPid = pending.ParentPid,
                Uid = pending.Uid,
                Exe = pending.Exe,
                Cwd = pending.Cwd,
                CommandLine = line.ToString(),
                Truncated = pending.Truncated || (pending.Argc > count && count >= MaxArguments),
                Time = DateTimeOffset.FromUnixTimeMilliseconds(pending.Milliseconds),
                Serial = pending.Serial,
            };
        }

        private static int Int(string value, ref bool bad)
        {
            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
            {
                return number;
            }

            bad = true;
            return 0;
        }

        private sealed class Pending
        {
            internal bool Bad;

            internal Pending(ulong serial, long milliseconds)
            {
                Serial = serial;
                Milliseconds = milliseconds;
            }

            internal ulong Serial { get; }

            internal long Milliseconds { get; }

            internal bool HasSyscall { get; set; }

            internal bool HasExecve { get; set; }

            internal bool Success { get; set; }

            internal int Pid { get; set; }

            internal int ParentPid { get; set; }

            internal uint? Uid { get; set; }

            internal string? Exe { get; set; }

            internal string? Key { get; set; }

            internal string? Cwd { get; set; }

            internal int Argc { get; set; }

            internal int Bytes { get; set; }

            internal bool Truncated { get; set; }

            internal List<StringBuilder> Arguments { get; } = new List<StringBuilder>();

            internal StringBuilder Argument(int index)
            {
                while (Arguments.Count <= index)
                {
                    Arguments.Add(new StringBuilder());
                }

                return Arguments[index];
            }
        }
    }
}
