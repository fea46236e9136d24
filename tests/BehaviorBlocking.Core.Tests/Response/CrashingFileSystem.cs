using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using BehaviorBlocking.Response;

namespace BehaviorBlocking.Tests.Response
{
    /// <summary>The process "died" at a file-system step: nothing after it reaches the disk.</summary>
    internal sealed class SimulatedCrash : Exception
    {
        public SimulatedCrash(string step)
            : base("simulated crash at " + step)
        {
            Step = step;
        }

        public string Step { get; }
    }

    /// <summary>
    /// The real file system until the N-th changing step (or the first call of a named step); from then on
    /// every call throws <see cref="SimulatedCrash"/>, as if the process had died there: cleanup code that
    /// runs afterwards cannot touch the disk either.
    /// </summary>
    internal sealed class CrashingFileSystem : IVaultFileSystem
    {
        private readonly IVaultFileSystem _real = VaultFileSystem.Instance;
        private readonly int _crashAt;
        private readonly string? _stopBefore;
        private int _steps;
        private bool _crashed;

        public CrashingFileSystem(int crashAt, string? stopBefore = null)
        {
            _crashAt = crashAt;
            _stopBefore = stopBefore;
        }

        public List<string> Steps { get; } = new List<string>();

        public Stream OpenSource(string path, out VaultFileFacts facts)
        {
            Alive("OpenSource");
            return _real.OpenSource(path, out facts);
        }

        public VaultFileFacts? Examine(string path)
        {
            Alive("Examine");
            return _real.Examine(path);
        }

        public Stream CreateNew(string path)
        {
            Step("CreateNew");
            return _real.CreateNew(path);
        }

        public Stream OpenRead(string path)
        {
            Alive("OpenRead");
            return _real.OpenRead(path);
        }

        public void Write(Stream stream, byte[] buffer, int count)
        {
            Step("Write");
            _real.Write(stream, buffer, count);
        }

        public void Sync(Stream stream)
        {
            Step("Sync");
            _real.Sync(stream);
        }

        public void SetOwnerAndMode(Stream stream, long? userId, long? groupId, int? mode)
        {
            Step("SetOwnerAndMode");
            _real.SetOwnerAndMode(stream, userId, groupId, mode);
        }

        public void Replace(string from, string to)
        {
            Step("Replace");
            _real.Replace(from, to);
        }

        public bool MoveNoReplace(string from, string to)
        {
            Step("MoveNoReplace");
            return _real.MoveNoReplace(from, to);
        }

        public void SyncDirectory(string directory)
        {
            Step("SyncDirectory");
            _real.SyncDirectory(directory);
        }

        public void Delete(string path)
        {
            Step("Delete");
            _real.Delete(path);
        }

        public bool DeleteIfSame(string path, VaultFileFacts expected)
        {
            Step("DeleteIfSame");
            return _real.DeleteIfSame(path, expected);
        }

        public IReadOnlyList<string> List(string directory)
        {
            Alive("List");
            return _real.List(directory);
        }

        public void CreatePrivateDirectory(string path)
        {
            Step("CreatePrivateDirectory");
            _real.CreatePrivateDirectory(path);
        }

        private void Alive(string step)
        {
            if (_crashed)
            {
                throw new SimulatedCrash(step);
            }
        }

        private void Step(string step)
        {
            Alive(step);
            if (_steps++ == _crashAt || step == _stopBefore)
            {
                _crashed = true;
                throw new SimulatedCrash(step);
            }

            Steps.Add(step);
        }
    }

    /// <summary>Reads vault files on its own, to judge what a crash left.</summary>
    internal static class VaultInspection
    {
        /// <summary>True when a held entry in the folder decodes to content with this SHA-256.</summary>
        public static bool HasCompleteCopy(string folder, string sha256)
        {
            foreach (string file in Directory.GetFiles(folder, "*.bbq"))
            {
                try
                {
                    using FileStream input = File.OpenRead(file);
                    VaultHeader header = QuarantineFile.Decode(input);
                    if (header.Restored)
                    {
                        continue;
                    }

                    using var memory = new MemoryStream();
                    input.CopyTo(memory);
                    byte[] content = memory.ToArray();
                    using var ctr = new QuarantineFile.CtrTransform(header.Key, header.Counter);
                    ctr.Apply(content, content.Length);
                    if (content.Length == header.Length && Convert.ToHexString(SHA256.HashData(content)) == sha256)
                    {
                        return true;
                    }
                }
                catch (InvalidDataException)
                {
                }
            }

            return false;
        }
    }
}
