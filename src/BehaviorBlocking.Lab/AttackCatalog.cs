using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Lab
{
    /// <summary>An operating system an ATT&amp;CK technique applies to, as far as this product is concerned.</summary>
    public enum AttackPlatform
    {
        /// <summary>Windows.</summary>
        Windows = 0,

        /// <summary>Linux.</summary>
        Linux,
    }

    /// <summary>One ATT&amp;CK technique or sub-technique of the catalog, with the log sources that can show it.</summary>
    public sealed class AttackTechnique
    {
        internal AttackTechnique(string id, string name, IReadOnlyList<Tactic> tactics, IReadOnlyList<AttackPlatform> platforms, IReadOnlyList<string> sources, int line)
        {
            Id = id;
            Name = name;
            Tactics = tactics;
            Platforms = platforms;
            Sources = sources;
            Line = line;
        }

        /// <summary>The ATT&amp;CK id, e.g. <c>T1059</c> or <c>T1059.001</c>.</summary>
        public string Id { get; }

        /// <summary>The ATT&amp;CK name (of the sub-technique alone for a sub-technique, e.g. <c>PowerShell</c>).</summary>
        public string Name { get; }

        /// <summary>The product's tactics the technique belongs to, in the product's order.</summary>
        public IReadOnlyList<Tactic> Tactics { get; }

        /// <summary>Windows, Linux or both.</summary>
        public IReadOnlyList<AttackPlatform> Platforms { get; }

        /// <summary>The log sources (<see cref="AttackCatalog.Sources"/>) that can show it; empty when none can.</summary>
        public IReadOnlyList<string> Sources { get; }

        /// <summary>The 1-based line of the catalog file it was read from.</summary>
        public int Line { get; }

        /// <summary>True for a sub-technique (<c>T1059.001</c>).</summary>
        public bool IsSubTechnique => Id.Length > 5;

        /// <summary>The parent technique's id for a sub-technique, else null.</summary>
        public string? ParentId => IsSubTechnique ? Id.Substring(0, 5) : null;

        /// <summary>True when at least one log source this product reads can show it.</summary>
        public bool IsObservable => Sources.Count > 0;

        /// <summary>True when it applies to <paramref name="platform"/> and a source of that platform can show it.</summary>
        public bool IsObservableOn(AttackPlatform platform) =>
            Platforms.Contains(platform) && Sources.Any(s => AttackCatalog.PlatformOf(s) == platform);

        /// <inheritdoc />
        public override string ToString() => Id + " " + Name;
    }

    /// <summary>A problem found while reading a technique catalog; every problem of the file is in <see cref="Problems"/>.</summary>
    public sealed class AttackCatalogException : FormatException
    {
        /// <summary>Creates the exception from the problems found, each <c>file:line: what is wrong</c>.</summary>
        public AttackCatalogException(IReadOnlyList<string> problems)
            : base("The technique catalog is not valid:" + Environment.NewLine + string.Join(Environment.NewLine, problems))
        {
            Problems = problems;
        }

        /// <summary>Each problem as <c>file:line: what is wrong</c>, in file order.</summary>
        public IReadOnlyList<string> Problems { get; }
    }

    /// <summary>
    /// The ATT&amp;CK techniques and sub-techniques this product can be measured against
    /// (<c>docs/attack/techniques.tsv</c>; format in <c>docs/attack/README.md</c>), read and checked.
    /// </summary>
    public sealed class AttackCatalog
    {
        /// <summary>The header line every catalog starts with (after comments).</summary>
        public const string Header = "id\tname\ttactics\tplatforms\tsources";

        private const string NoSource = "-";

        private static readonly Regex s_id = new Regex(@"^T\d{4}(\.\d{3})?$", RegexOptions.CultureInvariant);

        // The log sources a catalog row may name, in the order rows list them; each belongs to one platform.
        private static readonly (string Name, AttackPlatform Platform)[] s_sources =
        {
            ("process_creation", AttackPlatform.Windows),
            ("file_event", AttackPlatform.Windows),
            ("file_delete", AttackPlatform.Windows),
            ("ads", AttackPlatform.Windows),
            ("registry", AttackPlatform.Windows),
            ("network_connection", AttackPlatform.Windows),
            ("dns_query", AttackPlatform.Windows),
            ("image_load", AttackPlatform.Windows),
            ("driver_load", AttackPlatform.Windows),
            ("process_access", AttackPlatform.Windows),
            ("remote_thread", AttackPlatform.Windows),
            ("raw_access", AttackPlatform.Windows),
            ("process_tampering", AttackPlatform.Windows),
            ("pipe", AttackPlatform.Windows),
            ("wmi_event", AttackPlatform.Windows),
            ("clipboard", AttackPlatform.Windows),
            ("service_install", AttackPlatform.Windows),
            ("scheduled_task", AttackPlatform.Windows),
            ("logon", AttackPlatform.Windows),
            ("kerberos", AttackPlatform.Windows),
            ("ntlm", AttackPlatform.Windows),
            ("account_management", AttackPlatform.Windows),
            ("group_management", AttackPlatform.Windows),
            ("audit_policy", AttackPlatform.Windows),
            ("directory_service", AttackPlatform.Windows),
            ("file_share", AttackPlatform.Windows),
            ("firewall", AttackPlatform.Windows),
            ("rdp_session", AttackPlatform.Windows),
            ("powershell_script", AttackPlatform.Windows),
            ("powershell_module", AttackPlatform.Windows),
            ("powershell_classic", AttackPlatform.Windows),
            ("bits_client", AttackPlatform.Windows),
            ("defender", AttackPlatform.Windows),
            ("codeintegrity", AttackPlatform.Windows),
            ("exchange_management", AttackPlatform.Windows),
            ("application", AttackPlatform.Windows),
            ("linux_process", AttackPlatform.Linux),
            ("linux_file", AttackPlatform.Linux),
            ("linux_network", AttackPlatform.Linux),
        };

        private static readonly Dictionary<string, int> s_sourceOrder =
            s_sources.Select((s, i) => (s.Name, i)).ToDictionary(s => s.Name, s => s.i, StringComparer.Ordinal);

        private readonly Dictionary<string, AttackTechnique> _byId;

        private AttackCatalog(List<AttackTechnique> techniques)
        {
            Techniques = techniques.OrderBy(t => t.Id, StringComparer.Ordinal).ToList();
            _byId = Techniques.ToDictionary(t => t.Id, StringComparer.Ordinal);
        }

        /// <summary>Every log source name a catalog may use, in the order rows list them.</summary>
        public static IReadOnlyList<string> Sources { get; } = s_sources.Select(s => s.Name).ToList();

        /// <summary>The techniques and sub-techniques, sorted by id.</summary>
        public IReadOnlyList<AttackTechnique> Techniques { get; }

        /// <summary>The platform whose logs <paramref name="source"/> is read from.</summary>
        public static AttackPlatform PlatformOf(string source) =>
            s_sourceOrder.TryGetValue(source, out int i) ? s_sources[i].Platform : throw new ArgumentException("unknown log source '" + source + "'", nameof(source));

        /// <summary>Reads and checks the catalog file at <paramref name="path"/>.</summary>
        /// <exception cref="AttackCatalogException">The file has problems; all of them are listed, with file and line.</exception>
        public static AttackCatalog Load(string path)
        {
            using var reader = new StreamReader(path);
            return Parse(reader, path);
        }

        /// <summary>Reads and checks a catalog; <paramref name="file"/> names it in the problems.</summary>
        /// <exception cref="AttackCatalogException">The text has problems; all of them are listed, with file and line.</exception>
        public static AttackCatalog Parse(TextReader reader, string file)
        {
            var problems = new List<string>();
            var techniques = new List<AttackTechnique>();
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            bool header = false;
            int number = 0;
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                number++;
                void Problem(string what) => problems.Add(file + ":" + number.ToString(CultureInfo.InvariantCulture) + ": " + what);

                if (line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal))
                {
                    continue;
                }

                if (!header)
                {
                    if (line != Header)
                    {
                        Problem("the first line that is not a comment must be the header '" + Header.Replace("\t", "<TAB>") + "'");
                    }

                    header = true;
                    continue;
                }

                string[] cells = line.Split('\t');
                if (cells.Length != 5)
                {
                    Problem($"{cells.Length} tab-separated columns; a row has 5 (id, name, tactics, platforms, sources)");
                    continue;
                }

                string id = cells[0];
                if (!s_id.IsMatch(id))
                {
                    Problem($"'{id}' is not a technique id (T1234 or T1234.001)");
                    continue;
                }

                if (seen.TryGetValue(id, out int first))
                {
                    Problem($"duplicate id {id} (first on line {first.ToString(CultureInfo.InvariantCulture)})");
                    continue;
                }

                seen.Add(id, number);
                string name = cells[1].Trim();
                if (name.Length == 0 || name != cells[1])
                {
                    Problem($"{id}: the name is empty or has leading or trailing spaces");
                }

                var tactics = new List<Tactic>();
                foreach (string item in Items(cells[2]))
                {
                    if (Enum.TryParse(item, ignoreCase: false, out Tactic tactic) && tactic != Tactic.Generic && item == tactic.ToString())
                    {
                        tactics.Add(tactic);
                    }
                    else
                    {
                        Problem($"{id}: unknown tactic '{item}' (one of {string.Join(", ", Enum.GetNames(typeof(Tactic)).Where(n => n != nameof(Tactic.Generic)))})");
                    }
                }

                var platforms = new List<AttackPlatform>();
                foreach (string item in Items(cells[3]))
                {
                    if (Enum.TryParse(item, ignoreCase: false, out AttackPlatform platform) && item == platform.ToString())
                    {
                        platforms.Add(platform);
                    }
                    else
                    {
                        Problem($"{id}: unknown platform '{item}' (Windows or Linux)");
                    }
                }

                var sources = new List<string>();
                if (cells[4] != NoSource)
                {
                    foreach (string item in Items(cells[4]))
                    {
                        if (!s_sourceOrder.ContainsKey(item))
                        {
                            Problem($"{id}: unknown source '{item}' (docs/attack/README.md lists them, or '-' for none)");
                        }
                        else if (!platforms.Contains(PlatformOf(item)))
                        {
                            Problem($"{id}: source '{item}' is a {PlatformOf(item)} log and the row does not list that platform");
                        }
                        else
                        {
                            sources.Add(item);
                        }
                    }
                }

                if (Duplicated(tactics) || Duplicated(platforms) || Duplicated(sources))
                {
                    Problem($"{id}: a value is listed twice in one column");
                }

                techniques.Add(new AttackTechnique(
                    id,
                    name,
                    tactics.Distinct().OrderBy(t => t).ToList(),
                    platforms.Distinct().OrderBy(p => p).ToList(),
                    sources.Distinct().OrderBy(s => s_sourceOrder[s]).ToList(),
                    number));
            }

            if (!header)
            {
                problems.Add(file + ":" + (number + 1).ToString(CultureInfo.InvariantCulture) + ": no header line '" + Header.Replace("\t", "<TAB>") + "'");
            }

            var byId = techniques.ToDictionary(t => t.Id, StringComparer.Ordinal);
            foreach (AttackTechnique technique in techniques)
            {
                if (technique.ParentId is not string parentId)
                {
                    continue;
                }

                string where = file + ":" + technique.Line.ToString(CultureInfo.InvariantCulture) + ": ";
                if (!byId.TryGetValue(parentId, out AttackTechnique? parent))
                {
                    problems.Add(where + $"sub-technique {technique.Id} has no parent row {parentId}");
                }
                else if (technique.Platforms.Any(p => !parent.Platforms.Contains(p)))
                {
                    problems.Add(where + $"sub-technique {technique.Id} lists a platform its parent {parentId} does not");
                }
            }

            if (problems.Count > 0)
            {
                throw new AttackCatalogException(problems.OrderBy(LineOf).ToList());
            }

            return new AttackCatalog(techniques);

            int LineOf(string problem)
            {
                string rest = problem.Substring(file.Length + 1);
                return int.Parse(rest.Substring(0, rest.IndexOf(':')), CultureInfo.InvariantCulture);
            }
        }

        /// <summary>The technique or sub-technique <paramref name="id"/> (e.g. <c>T1059.001</c>), or null when the catalog has none.</summary>
        public AttackTechnique? Find(string id) => _byId.TryGetValue(id, out AttackTechnique? technique) ? technique : null;

        /// <summary>The sub-techniques of <paramref name="parent"/>, sorted by id.</summary>
        public IReadOnlyList<AttackTechnique> SubTechniquesOf(AttackTechnique parent) =>
            Techniques.Where(t => t.ParentId == parent.Id).ToList();

        private static IEnumerable<string> Items(string cell) => cell.Split(';').Select(s => s.Trim());

        private static bool Duplicated<T>(List<T> items) => items.Distinct().Count() != items.Count;
    }
}
