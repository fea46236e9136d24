using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Response
{
    /// <summary>
    /// The names this machine goes by, and whether a detection's host is one of them: a responder acts
    /// only on verdicts about this machine. Names compare without case; a short name matches a fully
    /// qualified one whose first label it is (<c>ws01</c> is <c>WS01.corp.example</c>), but two fully
    /// qualified names must be equal (<c>ws01.a.example</c> is not <c>ws01.b.example</c>).
    /// </summary>
    public sealed class MachineIdentity
    {
        private readonly string[] _names;

        /// <summary>Creates an identity from the names the machine goes by (empty names are ignored).</summary>
        public MachineIdentity(IEnumerable<string?> names)
        {
            if (names is null)
            {
                throw new ArgumentNullException(nameof(names));
            }

            var kept = new List<string>();
            foreach (string? name in names)
            {
                string trimmed = (name ?? string.Empty).Trim().TrimEnd('.');
                if (trimmed.Length > 0 && !kept.Exists(n => string.Equals(n, trimmed, StringComparison.OrdinalIgnoreCase)))
                {
                    kept.Add(trimmed);
                }
            }

            _names = kept.ToArray();
        }

        /// <summary>This machine: <see cref="Environment.MachineName"/> and the DNS host name.</summary>
        public static MachineIdentity Current { get; } = new MachineIdentity(CurrentNames());

        /// <summary>The names, first the machine name.</summary>
        public IReadOnlyList<string> Names => _names;

        /// <summary>The name to show for this machine.</summary>
        public string Name => _names.Length == 0 ? "?" : _names[0];

        /// <summary>True when <paramref name="host"/> names this machine.</summary>
        public bool IsThisMachine(string? host)
        {
            string given = (host ?? string.Empty).Trim().TrimEnd('.');
            if (given.Length == 0)
            {
                return false;
            }

            foreach (string name in _names)
            {
                if (SameHost(name, given))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>True when two host names name the same machine (see the class summary).</summary>
        public static bool SameHost(string a, string b)
        {
            if (string.Equals(a, b, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            int dotA = a.IndexOf('.');
            int dotB = b.IndexOf('.');
            if (dotA >= 0 && dotB >= 0)
            {
                return false;
            }

            string shortA = dotA < 0 ? a : a.Substring(0, dotA);
            string shortB = dotB < 0 ? b : b.Substring(0, dotB);
            return shortA.Length > 0 && string.Equals(shortA, shortB, StringComparison.OrdinalIgnoreCase);
        }

        private static IEnumerable<string?> CurrentNames()
        {
            yield return Environment.MachineName;
            string? dns = null;
            try
            {
                dns = System.Net.Dns.GetHostName();
            }
            catch (System.Net.Sockets.SocketException)
            {
                // No resolver: the machine name alone.
            }

            yield return dns;
        }
    }
}
