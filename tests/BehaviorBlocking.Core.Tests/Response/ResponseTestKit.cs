using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Tests.Response
{
    /// <summary>
    /// A process table for responder tests: processes with parents, alive or not; kills and suspends change it
    /// the way a real controller changes the machine (a tree kill takes every living descendant), after the guard
    /// rails, as the controller contract says. <see cref="Answer"/> forces an outcome for a test of one.
    /// </summary>
    internal sealed class TableController : IProcessController
    {
        private readonly Dictionary<int, int> _parents = new Dictionary<int, int>();
        private readonly HashSet<int> _alive = new HashSet<int>();

        public TableController(IGuardRails? guards = null) => Guards = guards;

        public IGuardRails? Guards { get; }

        public bool IsSupported => true;

        public List<(ProcessAction Action, ProcessIdentity Target)> Calls { get; } = new List<(ProcessAction, ProcessIdentity)>();

        public HashSet<int> Suspended { get; } = new HashSet<int>();

        public Func<ProcessAction, ProcessIdentity, ProcessActionResult?>? Answer { get; set; }

        public bool IsAlive(int pid) => _alive.Contains(pid);

        public TableController Add(int pid, int parent)
        {
            _parents[pid] = parent;
            _alive.Add(pid);
            return this;
        }

        public ProcessActionResult Act(ProcessAction action, ProcessIdentity target)
        {
            Calls.Add((action, target));
            string? refused = Guards?.RefuseProcess(target.ProcessId);
            if (refused is not null)
            {
                return new ProcessActionResult(StepOutcome.Refused, refused);
            }

            ProcessActionResult? forced = Answer?.Invoke(action, target);
            if (forced is not null)
            {
                return forced;
            }

            if (!_alive.Contains(target.ProcessId))
            {
                return new ProcessActionResult(StepOutcome.AlreadyGone, "no such process");
            }

            var affected = action == ProcessAction.KillProcess ? new List<int> { target.ProcessId } : Subtree(target.ProcessId);
            foreach (int pid in affected)
            {
                if (action == ProcessAction.Suspend)
                {
                    Suspended.Add(pid);
                }
                else
                {
                    _alive.Remove(pid);
                }
            }

            return new ProcessActionResult(StepOutcome.Done, null, affected);
        }

        private List<int> Subtree(int root)
        {
            var result = new List<int> { root };
            for (int i = 0; i < result.Count; i++)
            {
                result.AddRange(_parents.Where(p => p.Value == result[i] && _alive.Contains(p.Key) && !result.Contains(p.Key)).Select(p => p.Key));
            }

            return result;
        }
    }

    /// <summary>Guard rails over a fixed set of process ids and paths.</summary>
    internal sealed class SetGuardRails : IGuardRails
    {
        public HashSet<int> Processes { get; } = new HashSet<int>();

        public HashSet<string> Files { get; } = new HashSet<string>(StringComparer.Ordinal);

        public string? RefuseProcess(int processId) => Processes.Contains(processId) ? "PID " + processId + " is guarded" : null;

        public string? RefuseFile(string path) => Files.Contains(path) ? path + " is guarded" : null;
    }

    /// <summary>A quarantine in a folder: the file is moved in under its entry id, hashed, and moved back on restore after a hash check.</summary>
    internal sealed class FolderQuarantine : IQuarantine
    {
        private readonly string _folder;
        private readonly List<QuarantineEntry> _entries = new List<QuarantineEntry>();

        public FolderQuarantine(string folder)
        {
            _folder = folder;
            Directory.CreateDirectory(folder);
        }

        public QuarantineEntry Add(string path, Guid? detectionId, string reason)
        {
            if (!File.Exists(path))
            {
                throw new BehaviorBlockingException("QuarantineFileNotFound", FailureKind.NotFound, "no file " + path);
            }

            string sha = Sha256(path);
            var entry = new QuarantineEntry(Guid.NewGuid(), path, sha, new FileInfo(path).Length, DateTimeOffset.UtcNow) { DetectionId = detectionId, Reason = reason };
            File.Move(path, Held(entry.Id));
            _entries.Add(entry);
            return entry;
        }

        public QuarantineEntry Restore(Guid id)
        {
            QuarantineEntry entry = _entries.Single(e => e.Id == id);
            if (File.Exists(entry.OriginalPath) || Sha256(Held(id)) != entry.Sha256)
            {
                throw new BehaviorBlockingException("QuarantineRestoreRefused", FailureKind.InvalidData, "cannot restore " + id);
            }

            File.Move(Held(id), entry.OriginalPath);
            return entry;
        }

        public IReadOnlyList<QuarantineEntry> List() => _entries;

        public string Held(Guid id) => Path.Combine(_folder, id.ToString("N") + ".held");

        public static string Sha256(string path)
        {
            using SHA256 sha = SHA256.Create();
            using FileStream stream = File.OpenRead(path);
            return Convert.ToHexString(sha.ComputeHash(stream));
        }
    }

    /// <summary>A quarantine that fails the way a broken disk does.</summary>
    internal sealed class ThrowingQuarantine : IQuarantine
    {
        public QuarantineEntry Add(string path, Guid? detectionId, string reason) => throw new IOException("disk on fire: " + path);

        public QuarantineEntry Restore(Guid id) => throw new IOException("disk on fire");

        public IReadOnlyList<QuarantineEntry> List() => Array.Empty<QuarantineEntry>();
    }

    /// <summary>Block indicators in memory; blocking a hash already blocked returns the indicator in force.</summary>
    internal sealed class MemoryIndicators : IIndicatorSink
    {
        public List<Indicator> Added { get; } = new List<Indicator>();

        public Indicator Block(string sha256, IndicatorSource source, Guid? detectionId, string? comment, string? createdBy)
        {
            Indicator? existing = Added.FirstOrDefault(i => i.Value == sha256);
            if (existing is not null)
            {
                return existing;
            }

            var indicator = new Indicator(Guid.NewGuid(), IndicatorKind.Sha256, sha256, IndicatorVerdict.Block, source, DateTimeOffset.UtcNow)
            {
                Comment = comment,
                DetectionId = detectionId,
                CreatedBy = createdBy,
            };
            Added.Add(indicator);
            return indicator;
        }
    }

    /// <summary>A remediator over a set of present artifacts: removing one takes it out (with a record), one that is not present is already gone.</summary>
    internal sealed class SetRemediator : IRemediator
    {
        private readonly List<RemediationRecord> _records = new List<RemediationRecord>();

        public HashSet<string> Present { get; } = new HashSet<string>(StringComparer.Ordinal);

        public bool IsSupported => true;

        public ResponseStep Remediate(PersistenceArtifact artifact, Guid? detectionId, bool whatIf)
        {
            string key = artifact.Kind + ":" + artifact.Location;
            if (!Present.Contains(key))
            {
                return new ResponseStep(ResponseKind.Remediate, artifact.ToString(), StepOutcome.AlreadyGone, "not present");
            }

            if (whatIf)
            {
                return new ResponseStep(ResponseKind.Remediate, artifact.ToString(), StepOutcome.WhatIf, "would remove " + artifact);
            }

            Present.Remove(key);
            var record = new RemediationRecord(Guid.NewGuid(), artifact, RemediationState.Removed, DateTimeOffset.UtcNow) { DetectionId = detectionId };
            _records.Add(record);
            return new ResponseStep(ResponseKind.Remediate, artifact.ToString(), StepOutcome.Done, null, record.Id.ToString("D"));
        }

        public RemediationRecord Undo(Guid id)
        {
            RemediationRecord record = _records.Single(r => r.Id == id);
            Present.Add(record.Artifact.Kind + ":" + record.Artifact.Location);
            return record;
        }

        public IReadOnlyList<RemediationRecord> List() => _records;
    }

    /// <summary>Verdicts and decisions for responder tests.</summary>
    internal static class ResponseVerdicts
    {
        public static PolicyDecision Decide(ResponseAction action, bool quarantine = false, bool blockHash = false, bool remediate = false, bool excluded = false) =>
            new PolicyDecision(action, excluded, "test") { Quarantine = quarantine, BlockHash = blockHash, Remediate = remediate };

        /// <summary>The same verdict about another detection record (another host, more evidence).</summary>
        public static Verdict With(Verdict verdict, string? host = null, IEnumerable<Evidence>? moreEvidence = null, IReadOnlyList<ResponseStep>? actions = null)
        {
            Detection d = verdict.Detection;
            var detection = new Detection
            {
                Id = d.Id,
                Name = d.Name,
                Platform = d.Platform,
                Tactic = d.Tactic,
                Techniques = d.Techniques,
                Score = d.Score,
                Severity = d.Severity,
                Action = d.Action,
                Host = host ?? d.Host,
                ProcessGuid = d.ProcessGuid,
                ProcessId = d.ProcessId,
                Image = d.Image,
                CommandLine = d.CommandLine,
                ParentImage = d.ParentImage,
                User = d.User,
                FirstSeen = d.FirstSeen,
                LastSeen = d.LastSeen,
                Evidence = d.Evidence.Concat(moreEvidence ?? Array.Empty<Evidence>()).ToArray(),
                Actions = actions ?? d.Actions,
            };
            return new Verdict(verdict.Change, detection, verdict.Tree, verdict.TreeTactics, verdict.ImplicatedProcesses);
        }
    }
}
