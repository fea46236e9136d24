using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Engine
{
    /// <summary>A third-party rule pack installed in the product folder.</summary>
    public sealed class RulePackInfo
    {
        /// <summary>Creates the record of an installed pack.</summary>
        public RulePackInfo(string name, string origin, string version, int rules, int skipped, int files, DateTimeOffset installed, string path)
        {
            Name = name;
            Origin = origin;
            Version = version;
            Rules = rules;
            Skipped = skipped;
            Files = files;
            Installed = installed;
            Path = path;
        }

        /// <summary>The pack's name (its folder under <c>rules/</c> of the product folder).</summary>
        public string Name { get; }

        /// <summary>Where it was installed from, as given.</summary>
        public string Origin { get; }

        /// <summary>Its content hash: SHA-256 over every rule file's relative path and bytes, in hex.</summary>
        public string Version { get; }

        /// <summary>Rules that loaded when it was installed.</summary>
        public int Rules { get; }

        /// <summary>Rules the engine skipped when it was installed (<c>rules validate</c> on the pack names why).</summary>
        public int Skipped { get; }

        /// <summary>Rule files in the pack.</summary>
        public int Files { get; }

        /// <summary>When it was installed (UTC).</summary>
        public DateTimeOffset Installed { get; }

        /// <summary>The installed folder.</summary>
        public string Path { get; }

        /// <summary>The short form of <see cref="Version"/> shown in listings.</summary>
        public string ShortVersion => Version.Length > 12 ? Version.Substring(0, 12) : Version;
    }

    /// <summary>
    /// Third-party Sigma rule packs in the product folder (<c>rules/&lt;name&gt;/</c> with a
    /// <c>rules/&lt;name&gt;.pack.json</c> record): added validated and versioned by content hash, listed with
    /// their origin, removed by name. A pack whose files no longer hash to its record is not loaded.
    /// </summary>
    public static class RulePacks
    {
        /// <summary>The folder of the packs inside the product folder.</summary>
        public const string FolderName = "rules";

        /// <summary>Most rule files one pack may hold.</summary>
        public const int MaxFiles = 20_000;

        /// <summary>The origin the engine gives the rules of a pack: <c>pack:&lt;name&gt;</c>.</summary>
        public static string OriginOf(string name) => "pack:" + name;

        private const string RecordSuffix = ".pack.json";
        private static readonly Regex s_name = new Regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant);

        /// <summary>The product folder whose packs a scan or monitor loads by default, or null when there is none.</summary>
        public static string? DefaultHome()
        {
            try
            {
                return ProductHome.Resolve();
            }
            catch (BehaviorBlockingException)
            {
                return null;
            }
        }

        /// <summary>The packs folder of <paramref name="productHome"/> (default: <see cref="ProductHome.Resolve()"/>).</summary>
        public static string Directory(string? productHome = null) => System.IO.Path.Combine(productHome ?? ProductHome.Resolve(), FolderName);

        /// <summary>Installs the rules of <paramref name="source"/> (a folder, searched recursively, or one file) as a pack.</summary>
        /// <param name="source">A rule folder or a <c>.yml</c>/<c>.yaml</c> file.</param>
        /// <param name="name">The pack's name; default the source's folder or file name.</param>
        /// <param name="productHome">The product folder; default <see cref="ProductHome.Resolve()"/>.</param>
        /// <returns>The installed pack; one of the same name is replaced.</returns>
        /// <exception cref="BehaviorBlockingException">InputNotFound, InvalidArgument (name), RulePackInvalid (no rule loads, too many files).</exception>
        public static RulePackInfo Add(string source, string? name = null, string? productHome = null)
        {
            string full = System.IO.Path.GetFullPath(source);
            bool isFile = File.Exists(full);
            if (!isFile && !System.IO.Directory.Exists(full))
            {
                throw new BehaviorBlockingException(ErrorIds.InputNotFound, FailureKind.NotFound, $"No rule folder or file at '{source}'.") { Target = source };
            }

            string packName = name ?? DefaultName(full, isFile);
            if (!s_name.IsMatch(packName) || string.Equals(packName, "builtin", StringComparison.OrdinalIgnoreCase))
            {
                throw new BehaviorBlockingException(ErrorIds.InvalidArgument, FailureKind.InvalidData,
                    $"'{packName}' is not a pack name: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, and not 'builtin' (give --name).") { Target = packName };
            }

            List<(string Relative, string Full)> files = isFile
                ? new List<(string, string)> { (System.IO.Path.GetFileName(full), full) }
                : RuleFiles(full);
            if (files.Count == 0)
            {
                throw new BehaviorBlockingException(ErrorIds.RulePackInvalid, FailureKind.InvalidData, $"'{source}' holds no .yml or .yaml file.") { Target = source };
            }

            if (files.Count > MaxFiles)
            {
                throw new BehaviorBlockingException(ErrorIds.RulePackInvalid, FailureKind.InvalidData,
                    $"'{source}' holds {files.Count:N0} rule files; a pack holds at most {MaxFiles:N0}.") { Target = source };
            }

            string packs = Directory(productHome);
            System.IO.Directory.CreateDirectory(packs);
            string staging = System.IO.Path.Combine(packs, ".staging-" + Guid.NewGuid().ToString("N"));
            try
            {
                // Validate the copy, not the source: what is checked is exactly what will load.
                foreach ((string relative, string file) in files)
                {
                    string target = System.IO.Path.Combine(staging, relative);
                    System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
                    File.Copy(file, target);
                }

                RuleSet loaded = RuleSet.Load(new[] { new RuleSource(staging, OriginOf(packName)) });
                if (loaded.Rules.Count == 0)
                {
                    string first = loaded.Skipped.Count > 0 ? " First: " + loaded.Skipped[0].Reason : string.Empty;
                    throw new BehaviorBlockingException(ErrorIds.RulePackInvalid, FailureKind.InvalidData,
                        $"No rule of '{source}' loads ({loaded.Skipped.Count} skipped; 'behaviorblock rules validate {source}' names why).{first}") { Target = source };
                }

                var info = new RulePackInfo(packName, source, Hash(staging), loaded.Rules.Count, loaded.Skipped.Count, files.Count, DateTimeOffset.UtcNow,
                    System.IO.Path.Combine(packs, packName));
                Install(packs, staging, info);
                return info;
            }
            finally
            {
                if (System.IO.Directory.Exists(staging))
                {
                    System.IO.Directory.Delete(staging, recursive: true);
                }
            }
        }

        /// <summary>Removes an installed pack; returns what it was.</summary>
        /// <exception cref="BehaviorBlockingException">RulePackNotFound when no pack has that name.</exception>
        public static RulePackInfo Remove(string name, string? productHome = null)
        {
            string packs = Directory(productHome);
            RulePackInfo info = List(productHome).FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new BehaviorBlockingException(ErrorIds.RulePackNotFound, FailureKind.NotFound,
                    $"No rule pack named '{name}' is installed ('behaviorblock rules packs' lists them).") { Target = name };
            File.Delete(System.IO.Path.Combine(packs, info.Name + RecordSuffix));
            if (System.IO.Directory.Exists(info.Path))
            {
                System.IO.Directory.Delete(info.Path, recursive: true);
            }

            return info;
        }

        /// <summary>The installed packs by name; a record that cannot be read is left out (see <see cref="Verified"/>).</summary>
        public static IReadOnlyList<RulePackInfo> List(string? productHome = null)
        {
            string packs = Directory(productHome);
            var result = new List<RulePackInfo>();
            if (!System.IO.Directory.Exists(packs))
            {
                return result;
            }

            foreach (string record in System.IO.Directory.EnumerateFiles(packs, "*" + RecordSuffix).OrderBy(f => f, StringComparer.Ordinal))
            {
                RulePackInfo? info = ReadRecord(packs, record, out _);
                if (info is not null)
                {
                    result.Add(info);
                }
            }

            return result;
        }

        /// <summary>
        /// The packs whose files still hash to their record, for the engine to load; each one that does not (or whose
        /// record is unreadable) is reported through <paramref name="onRejected"/> with RulePackTampered and left out.
        /// </summary>
        public static IReadOnlyList<RulePackInfo> Verified(string? productHome, Action<BehaviorBlockingException> onRejected)
        {
            string packs = Directory(productHome);
            var result = new List<RulePackInfo>();
            if (!System.IO.Directory.Exists(packs))
            {
                return result;
            }

            foreach (string record in System.IO.Directory.EnumerateFiles(packs, "*" + RecordSuffix).OrderBy(f => f, StringComparer.Ordinal))
            {
                RulePackInfo? info = ReadRecord(packs, record, out string? problem);
                if (info is null)
                {
                    onRejected(new BehaviorBlockingException(ErrorIds.RulePackTampered, FailureKind.InvalidData,
                        $"The rule pack record '{record}' cannot be read ({problem}); the pack is not loaded.") { Target = record });
                    continue;
                }

                string actual = System.IO.Directory.Exists(info.Path) ? Hash(info.Path) : "(folder missing)";
                if (!string.Equals(actual, info.Version, StringComparison.Ordinal))
                {
                    onRejected(new BehaviorBlockingException(ErrorIds.RulePackTampered, FailureKind.InvalidData,
                        $"The rule pack '{info.Name}' changed since it was installed (content {Short(actual)}, installed {info.ShortVersion}); it is not loaded. Add it again to trust its new content.")
                    {
                        Target = info.Path,
                    });
                    continue;
                }

                result.Add(info);
            }

            return result;
        }

        /// <summary>The rule sources of the packs that verify (<see cref="Verified"/>), in name order, for a rule set to load after the built-in pack.</summary>
        public static IReadOnlyList<RuleSource> Sources(string? productHome, Action<BehaviorBlockingException> onRejected) =>
            Verified(productHome, onRejected).Select(pack => new RuleSource(pack.Path, OriginOf(pack.Name))).ToList();

        /// <summary>The content hash of a pack folder: SHA-256 over each rule file's relative path, length and bytes, in path order.</summary>
        public static string Hash(string folder)
        {
            using var sha = SHA256.Create();
            foreach ((string relative, string file) in RuleFiles(folder))
            {
                byte[] bytes = File.ReadAllBytes(file);
                byte[] header = Encoding.UTF8.GetBytes(relative + "\0" + bytes.Length.ToString(CultureInfo.InvariantCulture) + "\0");
                sha.TransformBlock(header, 0, header.Length, null, 0);
                sha.TransformBlock(bytes, 0, bytes.Length, null, 0);
            }

            sha.TransformFinalBlock(new byte[0], 0, 0);
            return Internal.HexText.Upper(sha.Hash!).ToLowerInvariant();
        }

        private static List<(string Relative, string Full)> RuleFiles(string folder)
        {
            string root = System.IO.Path.GetFullPath(folder).TrimEnd(System.IO.Path.DirectorySeparatorChar) + System.IO.Path.DirectorySeparatorChar;
            return System.IO.Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
                .Select(f => (f.Substring(root.Length).Replace('\\', '/'), f))
                .Where(f => !f.Item1.Split('/').Any(part => part.StartsWith(".", StringComparison.Ordinal)))
                .OrderBy(f => f.Item1, StringComparer.Ordinal)
                .ToList();
        }

        private static void Install(string packs, string staging, RulePackInfo info)
        {
            string target = System.IO.Path.Combine(packs, info.Name);
            string record = System.IO.Path.Combine(packs, info.Name + RecordSuffix);
            string? old = null;
            if (System.IO.Directory.Exists(target))
            {
                old = System.IO.Path.Combine(packs, ".old-" + Guid.NewGuid().ToString("N"));
                System.IO.Directory.Move(target, old);
            }

            System.IO.Directory.Move(staging, target);
            string temp = record + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(new Record
            {
                Name = info.Name,
                Origin = info.Origin,
                Version = info.Version,
                Rules = info.Rules,
                Skipped = info.Skipped,
                Files = info.Files,
                Installed = info.Installed.ToString("O", CultureInfo.InvariantCulture),
            }, new JsonSerializerOptions { WriteIndented = true }));
            if (File.Exists(record))
            {
                File.Delete(record);
            }

            File.Move(temp, record);
            if (old is not null)
            {
                System.IO.Directory.Delete(old, recursive: true);
            }
        }

        private static RulePackInfo? ReadRecord(string packs, string record, out string? problem)
        {
            problem = null;
            try
            {
                Record? r = JsonSerializer.Deserialize<Record>(File.ReadAllText(record));
                string expected = System.IO.Path.GetFileName(record);
                expected = expected.Substring(0, expected.Length - RecordSuffix.Length);
                if (r is null || r.Name is null || r.Version is null || !string.Equals(r.Name, expected, StringComparison.Ordinal) || !s_name.IsMatch(r.Name))
                {
                    problem = "its name or version is missing or does not match the file name";
                    return null;
                }

                DateTimeOffset installed = DateTimeOffset.TryParse(r.Installed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset t) ? t : default;
                return new RulePackInfo(r.Name, r.Origin ?? string.Empty, r.Version, r.Rules, r.Skipped, r.Files, installed, System.IO.Path.Combine(packs, r.Name));
            }
            catch (Exception ex) when (ex is JsonException || ex is IOException || ex is UnauthorizedAccessException)
            {
                problem = ex.Message;
                return null;
            }
        }

        private static string DefaultName(string full, bool isFile)
        {
            string name = isFile ? System.IO.Path.GetFileNameWithoutExtension(full) : System.IO.Path.GetFileName(full.TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar));
            return Regex.Replace(name, "[^A-Za-z0-9._-]", "-");
        }

        private static string Short(string hash) => hash.Length > 12 ? hash.Substring(0, 12) : hash;

        private sealed class Record
        {
            public string? Name { get; set; }

            public string? Origin { get; set; }

            public string? Version { get; set; }

            public int Rules { get; set; }

            public int Skipped { get; set; }

            public int Files { get; set; }

            public string? Installed { get; set; }
        }
    }
}
