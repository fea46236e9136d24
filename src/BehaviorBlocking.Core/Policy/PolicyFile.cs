using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Policy
{
    /// <summary>A policy document with where it came from.</summary>
    public sealed class LoadedPolicy
    {
        internal LoadedPolicy(PolicyDocument document, string? path, byte[]? bytes)
        {
            Document = document;
            Path = path;
            Sha256 = bytes is null ? null : PolicyFile.Sha256Of(bytes);
            Text = bytes is null ? null : PolicyFile.TextOf(bytes);
        }

        /// <summary>The document.</summary>
        public PolicyDocument Document { get; }

        /// <summary>The file it was read from; null for the default policy (no file).</summary>
        public string? Path { get; }

        /// <summary>SHA-256 (upper-case hex) of the file's bytes; null for the default policy.</summary>
        public string? Sha256 { get; }

        /// <summary>The file's text as written (comments included); null for the default policy.</summary>
        public string? Text { get; }

        /// <summary>True when no policy file was found and the default Audit policy applies.</summary>
        public bool IsDefault => Path is null;

        /// <summary>The snapshot of this document, consulting what <paramref name="options"/> gives (clock, indicators, signer).</summary>
        public BlockingPolicy ToPolicy(BlockingPolicyOptions? options = null) => new BlockingPolicy(Document, new BlockingPolicyOptions
        {
            Clock = options?.Clock ?? (() => DateTimeOffset.UtcNow),
            Indicators = options?.Indicators,
            Signer = options?.Signer,
            Sha256 = Sha256,
            Source = Path,
        });
    }

    /// <summary>Who changed the policy, for the audit trail.</summary>
    public sealed class PolicyActor
    {
        /// <summary>Creates an actor.</summary>
        public PolicyActor(string user, string host)
        {
            User = user ?? throw new ArgumentNullException(nameof(user));
            Host = host ?? throw new ArgumentNullException(nameof(host));
        }

        /// <summary>The account running this process (<c>DOMAIN\user</c> on Windows) on this machine.</summary>
        public static PolicyActor Current
        {
            get
            {
                string user = Environment.UserName;
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && !string.IsNullOrEmpty(Environment.UserDomainName))
                {
                    user = Environment.UserDomainName + "\\" + user;
                }

                return new PolicyActor(user, Environment.MachineName);
            }
        }

        /// <summary>Account name.</summary>
        public string User { get; }

        /// <summary>Machine name.</summary>
        public string Host { get; }
    }

    /// <summary>What <see cref="PolicyFile.Validate"/> found.</summary>
    public sealed class PolicyValidation
    {
        internal PolicyValidation(string path, PolicyParseResult result, IReadOnlyList<PolicyProblem> warnings)
        {
            Path = path;
            Document = result.Document;
            Errors = result.Errors;
            Warnings = warnings;
        }

        /// <summary>The file checked.</summary>
        public string Path { get; }

        /// <summary>The document, when valid.</summary>
        public PolicyDocument? Document { get; }

        /// <summary>Why it is invalid; empty when valid.</summary>
        public IReadOnlyList<PolicyProblem> Errors { get; }

        /// <summary>What is worth knowing about a valid document (expired exclusions, signer exclusions).</summary>
        public IReadOnlyList<PolicyProblem> Warnings { get; }

        /// <summary>True when the document is valid.</summary>
        public bool IsValid => Document is not null;
    }

    /// <summary>What <see cref="PolicyFile.Set(string, string?, string?, PolicyActor?, DateTimeOffset?)"/> installed.</summary>
    public sealed class PolicySetResult
    {
        internal PolicySetResult(string path, PolicyChange change, PolicyDocument document)
        {
            Path = path;
            Change = change;
            Document = document;
        }

        /// <summary>Where the policy in force now lives.</summary>
        public string Path { get; }

        /// <summary>The audit-trail row recorded for it.</summary>
        public PolicyChange Change { get; }

        /// <summary>The installed document.</summary>
        public PolicyDocument Document { get; }
    }

    /// <summary>
    /// Policy files: reading and checking one, the policy in force at <c>&lt;ProductHome&gt;/policy.json</c>
    /// (none means the default Audit policy), and installing a new one: validated first, then written
    /// atomically (temporary file, flushed to disk, renamed over the old one) with its audit-trail row,
    /// so an invalid file is refused and the policy in force stays in force.
    /// </summary>
    public static class PolicyFile
    {
        /// <summary>File name of the policy in force inside the product folder.</summary>
        public const string FileName = "policy.json";

        /// <summary>Full path of the policy in force: <c>policy.json</c> in <see cref="ProductHome.Resolve()"/>.</summary>
        public static string DefaultPath => System.IO.Path.Combine(ProductHome.Resolve(), FileName);

        /// <summary>Reads and validates a policy file.</summary>
        /// <exception cref="BehaviorBlockingException">
        /// <c>PolicyFileNotFound</c>, <c>PolicyFileUnreadable</c>, <c>PolicyFileInvalid</c>
        /// (<see cref="PolicyInvalidException"/>, with every problem and its position).
        /// </exception>
        public static LoadedPolicy Load(string path)
        {
            string fullPath = FullPath(path);
            byte[] bytes = Read(fullPath);
            PolicyParseResult result = PolicyDocument.Parse(bytes);
            if (!result.IsValid)
            {
                throw new PolicyInvalidException(fullPath, result.Errors);
            }

            return new LoadedPolicy(result.Document!, fullPath, bytes);
        }

        /// <summary>The policy in force: the file at <paramref name="path"/> (default <see cref="DefaultPath"/>), or the default Audit policy when there is none.</summary>
        /// <exception cref="BehaviorBlockingException"><c>PolicyFileUnreadable</c> or <c>PolicyFileInvalid</c> for a file that exists but cannot be used.</exception>
        public static LoadedPolicy LoadInForce(string? path = null)
        {
            string fullPath = FullPath(path ?? DefaultPath);
            return File.Exists(fullPath) || Directory.Exists(fullPath)
                ? Load(fullPath)
                : new LoadedPolicy(PolicyDocument.Default, null, null);
        }

        /// <summary>Checks a policy file without installing it: its errors with positions, or its warnings at <paramref name="now"/>.</summary>
        /// <exception cref="BehaviorBlockingException"><c>PolicyFileNotFound</c>, <c>PolicyFileUnreadable</c>.</exception>
        public static PolicyValidation Validate(string path, DateTimeOffset now)
        {
            string fullPath = FullPath(path);
            PolicyParseResult result = PolicyDocument.Parse(Read(fullPath));
            return new PolicyValidation(fullPath, result, result.Document?.Warnings(now) ?? Array.Empty<PolicyProblem>());
        }

        /// <summary>
        /// Validates <paramref name="sourcePath"/> and makes it the policy in force at <paramref name="targetPath"/>
        /// (default <see cref="DefaultPath"/>), recording one row in the audit trail of the store at
        /// <paramref name="storePath"/> (default <see cref="ProductHome.DefaultStorePath"/>). Nothing
        /// changes when the file is invalid or the store cannot be written.
        /// </summary>
        /// <exception cref="BehaviorBlockingException">
        /// <c>PolicyFileNotFound</c>, <c>PolicyFileUnreadable</c>, <c>PolicyFileInvalid</c> for the source;
        /// <c>PolicyInstallFailed</c> when the file cannot be written; the store's errors.
        /// </exception>
        public static PolicySetResult Set(string sourcePath, string? targetPath = null, string? storePath = null, PolicyActor? actor = null, DateTimeOffset? now = null)
        {
            string source = FullPath(sourcePath);
            return Set(Read(source), source, targetPath, storePath, actor, now);
        }

        /// <summary>
        /// Validates the policy document <paramref name="bytes"/> (UTF-8 JSON, named <paramref name="source"/> in errors)
        /// and makes it the policy in force, exactly as <see cref="Set(string, string?, string?, PolicyActor?, DateTimeOffset?)"/>
        /// does for a file: the one install path of every policy change.
        /// </summary>
        /// <exception cref="BehaviorBlockingException">
        /// <c>PolicyFileInvalid</c> (nothing changes); <c>PolicyInstallFailed</c> when the file cannot be written; the store's errors.
        /// </exception>
        public static PolicySetResult Set(byte[] bytes, string source, string? targetPath = null, string? storePath = null, PolicyActor? actor = null, DateTimeOffset? now = null) =>
            Set(bytes, source, targetPath, storePath, actor, now, false, null);

        /// <summary>
        /// <see cref="Set(byte[], string, string?, string?, PolicyActor?, DateTimeOffset?)"/>; with <paramref name="checkPrevious"/>,
        /// only when the file it replaces (read inside the store's transaction) still has <paramref name="previousSha256"/>
        /// (null: no file), so an edit never overwrites a policy installed after it was worked out.
        /// </summary>
        internal static PolicySetResult Set(byte[] bytes, string source, string? targetPath, string? storePath, PolicyActor? actor, DateTimeOffset? now,
            bool checkPrevious, string? previousSha256)
        {
            if (bytes is null)
            {
                throw new ArgumentNullException(nameof(bytes));
            }

            if (bytes.Length > PolicyDocument.MaxBytes)
            {
                throw TooLarge(source, bytes.Length);
            }

            PolicyParseResult parsed = PolicyDocument.Parse(bytes);
            if (!parsed.IsValid)
            {
                throw new PolicyInvalidException(source, parsed.Errors);
            }

            string target = FullPath(targetPath ?? DefaultPath);
            PolicyDocument document = parsed.Document!;
            PolicyActor who = actor ?? PolicyActor.Current;
            DateTimeOffset time = (now ?? DateTimeOffset.UtcNow).ToUniversalTime();
            PolicyChange? change = null;
            byte[]? previousBytes = null;
            using (PolicyHistory history = PolicyHistory.Open(storePath ?? ProductHome.DefaultStorePath))
            {
                // The previous policy is read inside the store's write transaction: two installs through one store
                // are serialized, and each records the file it really replaced.
                long sequence = history.Record(
                    () =>
                    {
                        (PolicyDocument? previous, string? replacedSha256, byte[]? replaced) = Current(target);
                        if (checkPrevious && !string.Equals(replacedSha256, previousSha256, StringComparison.Ordinal))
                        {
                            throw new BehaviorBlockingException(ErrorIds.PolicyChangedDuringEdit, FailureKind.Unavailable,
                                "The policy at '" + target + "' changed while the edit was worked out; nothing was changed. Run the command again.")
                            {
                                Target = target,
                            };
                        }

                        previousBytes = replaced;
                        change = new PolicyChange(0, time, who.User, who.Host, document.Version, Sha256Of(bytes), replacedSha256,
                            PolicyChanges.Between(previous, document), TextOf(bytes));
                        return change;
                    },
                    () => WriteAtomically(target, bytes),
                    () =>
                    {
                        // The row could not be committed after the file was replaced: put the old policy back.
                        if (previousBytes is not null)
                        {
                            WriteAtomically(target, previousBytes);
                        }
                        else
                        {
                            File.Delete(target);
                        }
                    });
                return new PolicySetResult(target, change!.WithSequence(sequence), document);
            }
        }

        /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> all or nothing: a temporary file beside it, flushed to disk, renamed over it.</summary>
        /// <exception cref="BehaviorBlockingException"><c>PolicyInstallFailed</c>; the old file is untouched.</exception>
        internal static void WriteAtomically(string path, byte[] bytes)
        {
            string folder = System.IO.Path.GetDirectoryName(path)!;
            string temp = System.IO.Path.Combine(folder, "." + System.IO.Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                if (Directory.Exists(path))
                {
                    throw new IOException("'" + path + "' is a directory");
                }

                Directory.CreateDirectory(folder);
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(flushToDisk: true);
                }

                if (File.Exists(path))
                {
                    File.Replace(temp, path, null);
                }
                else
                {
                    File.Move(temp, path);
                }

                FlushFolder(folder);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is NotSupportedException)
            {
                TryDelete(temp);
                throw new BehaviorBlockingException(ErrorIds.PolicyInstallFailed, FailureKind.AccessDenied,
                    "Cannot install the policy at '" + path + "': " + ex.Message + "; the policy in force is unchanged.", ex)
                {
                    Target = path,
                };
            }
        }

        internal static string Sha256Of(byte[] bytes)
        {
            using (SHA256 sha = SHA256.Create())
            {
                byte[] hash = sha.ComputeHash(bytes);
                var text = new StringBuilder(hash.Length * 2);
                foreach (byte b in hash)
                {
                    text.Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }

                return text.ToString();
            }
        }

        internal static string TextOf(byte[] bytes)
        {
            int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            return Encoding.UTF8.GetString(bytes, start, bytes.Length - start);
        }

        private static (PolicyDocument? Document, string? Sha256, byte[]? Bytes) Current(string target)
        {
            if (!File.Exists(target))
            {
                return (null, null, null);
            }

            try
            {
                byte[] bytes = Read(target);
                return (PolicyDocument.Parse(bytes).Document, Sha256Of(bytes), bytes);
            }
            catch (BehaviorBlockingException)
            {
                // A policy in force that cannot be read is replaced; its changes are counted from the default policy.
                return (null, null, null);
            }
        }

        private static byte[] Read(string fullPath)
        {
            try
            {
                if (Directory.Exists(fullPath))
                {
                    throw Unreadable(fullPath, "it is a directory; name the policy file", null);
                }

                using (var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read))
                {
                    if (stream.Length > PolicyDocument.MaxBytes)
                    {
                        throw TooLarge(fullPath, stream.Length);
                    }

                    // Read at most one byte past the limit, whatever the length said (a file that grows while read).
                    var buffer = new byte[Math.Min(stream.Length, PolicyDocument.MaxBytes) + 1];
                    int total = 0;
                    int read;
                    while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
                    {
                        total += read;
                    }

                    var bytes = new byte[total];
                    Buffer.BlockCopy(buffer, 0, bytes, 0, total);
                    return bytes;
                }
            }
            catch (FileNotFoundException ex)
            {
                throw NotFound(fullPath, ex);
            }
            catch (DirectoryNotFoundException ex)
            {
                throw NotFound(fullPath, ex);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is NotSupportedException)
            {
                throw Unreadable(fullPath, ex.Message, ex);
            }
        }

        /// <summary>The bytes of the policy file at <paramref name="path"/> (at most <see cref="PolicyDocument.MaxBytes"/>).</summary>
        /// <exception cref="BehaviorBlockingException"><c>PolicyFileNotFound</c>, <c>PolicyFileUnreadable</c>, <c>PolicyFileInvalid</c> (too large).</exception>
        internal static byte[] ReadBytes(string path, out string fullPath)
        {
            fullPath = FullPath(path);
            return Read(fullPath);
        }

        private static PolicyInvalidException TooLarge(string path, long length) => new PolicyInvalidException(path, new[]
        {
            new PolicyProblem(new PolicyProblemPosition(1, 1), "$", "the file is " + length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
                + " bytes; the limit is " + PolicyDocument.MaxBytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " bytes (1 MiB)"),
        });

        private static string FullPath(string path)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new ArgumentException("A policy file path is required.", nameof(path));
            }

            try
            {
                return System.IO.Path.GetFullPath(path);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException)
            {
                throw Unreadable(path, ex.Message, ex);
            }
        }

        private static BehaviorBlockingException NotFound(string path, Exception inner) =>
            new BehaviorBlockingException(ErrorIds.PolicyFileNotFound, FailureKind.NotFound, "No policy file at '" + path + "'.", inner) { Target = path };

        private static BehaviorBlockingException Unreadable(string path, string reason, Exception? inner) =>
            new BehaviorBlockingException(ErrorIds.PolicyFileUnreadable, FailureKind.InvalidData, "Cannot read the policy file '" + path + "': " + reason, inner) { Target = path };

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // A stray temporary file is harmless; the install already failed for a reason reported.
            }
        }

        // The rename is durable only once the folder's entry is on disk (POSIX); Windows has no equivalent call.
        private static void FlushFolder(string folder)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return;
            }

            try
            {
                Libc.SyncFolder(folder);
            }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException)
            {
                // No libc to ask: the rename stands, only its durability against power loss is the OS's.
            }
        }
    }

    /// <summary>A policy document was refused (<c>PolicyFileInvalid</c>); every problem with its line, column and JSON path.</summary>
    public sealed class PolicyInvalidException : BehaviorBlockingException
    {
        /// <summary>Creates the error for <paramref name="path"/>.</summary>
        public PolicyInvalidException(string path, IReadOnlyList<PolicyProblem> problems)
            : base(ErrorIds.PolicyFileInvalid, FailureKind.InvalidData, Describe(path, problems))
        {
            Path = path;
            Problems = problems;
            Target = path;
        }

        /// <summary>The refused file.</summary>
        public string Path { get; }

        /// <summary>Every problem found, in document order.</summary>
        public IReadOnlyList<PolicyProblem> Problems { get; }

        private static string Describe(string path, IReadOnlyList<PolicyProblem> problems)
        {
            if (problems.Count == 0)
            {
                return "The policy file '" + path + "' is invalid.";
            }

            string more = problems.Count > 1 ? " (and " + (problems.Count - 1) + " more problem" + (problems.Count > 2 ? "s" : string.Empty) + "; 'behaviorblock policy validate' lists them)" : string.Empty;
            return problems[0].Format(path) + more;
        }
    }
}
