using System;
using System.Collections.Generic;
using System.Globalization;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Response
{
    /// <summary>One step a decision asks for, with the target it would act on (or why it cannot).</summary>
    internal sealed class PlannedStep
    {
        public PlannedStep(ResponseKind kind, string target)
        {
            Kind = kind;
            Target = target;
        }

        public ResponseKind Kind { get; }

        /// <summary>As a person recognises it: <c>PID 4242 (payload.exe)</c>, a path, a hash, an artifact.</summary>
        public string Target { get; }

        /// <summary>For process steps: what to do and to whom.</summary>
        public ProcessAction? Action { get; init; }

        public ProcessIdentity Process { get; init; }

        /// <summary>Processes of the tree (the target and its descendants) alive in the snapshot.</summary>
        public int TreeSize { get; init; }

        /// <summary>The snapshot saw the target exit: nothing left to act on (never signalled, its id may be reused).</summary>
        public bool Exited { get; init; }

        /// <summary>For quarantine and block-hash steps: the file.</summary>
        public string? Path { get; init; }

        /// <summary>For block-hash steps: the hash the telemetry reported.</summary>
        public string? Sha256 { get; init; }

        /// <summary>For remediation steps.</summary>
        public PersistenceArtifact? Artifact { get; init; }

        /// <summary>Why the step cannot be taken at all (no process, no image): it is recorded as not supported.</summary>
        public string? Problem { get; init; }

        /// <summary>What a what-if run says it would have done.</summary>
        public string WouldDo()
        {
            if (Problem is not null)
            {
                return "would not " + Verb() + ": " + Problem;
            }

            switch (Kind)
            {
                case ResponseKind.KillTree:
                case ResponseKind.Suspend:
                case ResponseKind.Resume:
                    return string.Format(CultureInfo.InvariantCulture, "would {0} tree {1}, {2} process{3}", Verb(), Target, TreeSize, TreeSize == 1 ? string.Empty : "es")
                        + (Exited ? " (already gone when the verdict was raised)" : string.Empty);
                case ResponseKind.KillProcess:
                    return "would kill " + Target + (Exited ? " (already gone when the verdict was raised)" : string.Empty);
                case ResponseKind.Quarantine:
                    return "would quarantine " + Target;
                case ResponseKind.BlockHash:
                    return Sha256 is null ? "would block the SHA-256 of " + Target + " (the telemetry reports none)" : "would block SHA-256 " + Sha256;
                case ResponseKind.Remediate:
                    return "would remove " + Target;
                default:
                    return "would " + Verb() + " " + Target;
            }
        }

        private string Verb() => Kind switch
        {
            ResponseKind.KillTree => "kill",
            ResponseKind.KillProcess => "kill",
            ResponseKind.Suspend => "suspend",
            ResponseKind.Resume => "resume",
            ResponseKind.Quarantine => "quarantine",
            ResponseKind.BlockHash => "block the hash",
            ResponseKind.Remediate => "remediate",
            _ => Kind.ToString(),
        };
    }

    /// <summary>
    /// Turns a verdict and a decision into the steps to take, in the order they are taken: the process
    /// action first (the tree stops before its files are touched, so nothing respawns them or holds them
    /// open), then the quarantine of the implicated image, then the block of its hash, then the removal of
    /// each persistence artifact the evidence names.
    /// </summary>
    /// <remarks>
    /// Where a tree is killed from: the verdict's implicated processes (those whose own events gave it a
    /// signal) are the malicious part. From each implicated process the plan climbs to its parent while the
    /// parent is implicated too, alive and not refused by the guard rails; the topmost such process is a
    /// root, and its whole subtree (non-implicated children included) is acted on. A parent with no signal
    /// of its own (explorer.exe, a login shell, sshd, a service host) is never climbed to, so the user's
    /// session survives the kill of what ran in it. An implicated process that has exited hands over to its
    /// topmost living descendants. <c>KillProcess</c> acts on the detection's process alone.
    /// </remarks>
    internal static class ResponsePlanner
    {
        /// <summary>
        /// Checks the arguments of <see cref="IResponder.Respond"/> and returns the result when the decision
        /// needs no plan (excluded, or no response asked for); null when a plan is to be made.
        /// </summary>
        public static ResponseResult? Unplanned(Verdict verdict, PolicyDecision decision)
        {
            if (verdict is null)
            {
                throw new ArgumentNullException(nameof(verdict));
            }

            if (decision is null)
            {
                throw new ArgumentNullException(nameof(decision));
            }

            if (decision.Excluded)
            {
                return new ResponseResult(DetectionAction.Excluded);
            }

            return decision.RequiresResponse ? null : new ResponseResult(DetectionAction.Audited);
        }

        public static List<PlannedStep> Plan(Verdict verdict, PolicyDecision decision, IGuardRails? guards)
        {
            var steps = new List<PlannedStep>();
            Detection detection = verdict.Detection;
            ProcessSnapshot? strongest = null;
            if (verdict.Tree is not null && verdict.Tree.Processes.Count > 0)
            {
                var tree = new TreeIndex(verdict.Tree);
                int s = tree.Find(detection.ProcessGuid, detection.ProcessId);
                strongest = s < 0 ? null : verdict.Tree.Processes[s];
                if (decision.Action != ResponseAction.None)
                {
                    PlanProcess(steps, tree, s, verdict.ImplicatedProcesses, decision.Action, guards);
                }
            }
            else if (decision.Action != ResponseAction.None)
            {
                string target = detection.ProcessId is int pid ? new ProcessIdentity(pid, null, detection.Image).ToString() : detection.Host;
                steps.Add(new PlannedStep(ResponseStep.KindOf(decision.Action), target)
                {
                    Problem = detection.ProcessId is null
                        ? "the verdict names no process"
                        : "the verdict's process tree is no longer held, and a bare process id may have been reused",
                });
            }

            if (decision.Quarantine)
            {
                steps.Add(string.IsNullOrEmpty(detection.Image)
                    ? new PlannedStep(ResponseKind.Quarantine, detection.Host) { Problem = "the detection names no image" }
                    : new PlannedStep(ResponseKind.Quarantine, detection.Image!) { Path = detection.Image });
            }

            if (decision.BlockHash)
            {
                string? sha = strongest?.Sha256;
                steps.Add(sha is null && string.IsNullOrEmpty(detection.Image)
                    ? new PlannedStep(ResponseKind.BlockHash, detection.Host) { Problem = "the detection names neither a hash nor an image" }
                    : new PlannedStep(ResponseKind.BlockHash, sha ?? detection.Image!) { Sha256 = sha, Path = detection.Image });
            }

            if (decision.Remediate)
            {
                foreach (PersistenceArtifact artifact in PersistenceArtifact.FromEvidence(detection.Evidence))
                {
                    steps.Add(new PlannedStep(ResponseKind.Remediate, artifact.ToString()) { Artifact = artifact });
                }
            }

            return steps;
        }

        private static void PlanProcess(List<PlannedStep> steps, TreeIndex tree, int strongest, IReadOnlyList<ProcessIdentity> implicated,
            ResponseAction action, IGuardRails? guards)
        {
            ResponseKind kind = ResponseStep.KindOf(action);
            ProcessAction processAction = action switch
            {
                ResponseAction.KillProcess => ProcessAction.KillProcess,
                ResponseAction.Suspend => ProcessAction.Suspend,
                _ => ProcessAction.KillTree,
            };

            var marked = new bool[tree.Count];
            foreach (ProcessIdentity identity in implicated)
            {
                int i = tree.Find(identity);
                if (i >= 0)
                {
                    marked[i] = true;
                }
            }

            if (strongest >= 0)
            {
                marked[strongest] = true;
            }

            if (processAction == ProcessAction.KillProcess)
            {
                int target = strongest >= 0 ? strongest : FirstMarked(marked);
                steps.Add(tree.Step(kind, processAction, target < 0 ? 0 : target));
                return;
            }

            var roots = new List<int>();
            int firstGone = -1;
            for (int i = 0; i < tree.Count; i++)
            {
                if (!marked[i])
                {
                    continue;
                }

                if (!tree.Alive(i))
                {
                    bool any = false;
                    foreach (int descendant in tree.TopmostAliveBelow(i))
                    {
                        roots.Add(descendant);
                        any = true;
                    }

                    if (!any && firstGone < 0)
                    {
                        firstGone = i;
                    }

                    continue;
                }

                int top = i;
                while (true)
                {
                    int parent = tree.Parent(top);
                    if (parent < 0 || !marked[parent] || !tree.Alive(parent) || Refused(guards, tree.Process(parent).ProcessId))
                    {
                        break;
                    }

                    top = parent;
                }

                roots.Add(top);
            }

            // A root inside another root's subtree goes with it, unless that root is refused (it will not be acted on).
            var kept = new List<int>();
            foreach (int root in roots)
            {
                if (kept.Contains(root))
                {
                    continue;
                }

                bool covered = false;
                foreach (int other in roots)
                {
                    if (other != root && tree.IsAncestor(other, root) && !Refused(guards, tree.Process(other).ProcessId))
                    {
                        covered = true;
                        break;
                    }
                }

                if (!covered)
                {
                    kept.Add(root);
                }
            }

            if (kept.Count == 0)
            {
                steps.Add(tree.Step(kind, processAction, firstGone >= 0 ? firstGone : Math.Max(0, strongest)));
                return;
            }

            // The root over the detection's own process first.
            kept.Sort((a, b) => (strongest >= 0 && tree.IsAncestorOrSelf(b, strongest) ? 1 : 0).CompareTo(strongest >= 0 && tree.IsAncestorOrSelf(a, strongest) ? 1 : 0));
            foreach (int root in kept)
            {
                steps.Add(tree.Step(kind, processAction, root));
            }
        }

        private static int FirstMarked(bool[] marked) => Array.IndexOf(marked, true);

        private static bool Refused(IGuardRails? guards, int processId)
        {
            try
            {
                return guards?.RefuseProcess(processId) is not null;
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                // Guard rails that cannot answer are taken as a refusal: never climb past them.
                return true;
            }
        }

        /// <summary>Parent links and subtrees of a snapshot (root first, parents before children).</summary>
        private sealed class TreeIndex
        {
            private readonly IReadOnlyList<ProcessSnapshot> _processes;
            private readonly int[] _parent;

            public TreeIndex(ProcessTreeSnapshot snapshot)
            {
                _processes = snapshot.Processes;
                _parent = new int[_processes.Count];
                var byGuid = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                var byPid = new Dictionary<int, int>();
                for (int i = 0; i < _processes.Count; i++)
                {
                    ProcessSnapshot p = _processes[i];
                    int parent = -1;
                    if (p.ParentProcessGuid is not null && byGuid.TryGetValue(p.ParentProcessGuid, out int g))
                    {
                        parent = g;
                    }
                    else if (p.ParentProcessId is int ppid && byPid.TryGetValue(ppid, out int q))
                    {
                        parent = q;
                    }

                    _parent[i] = parent;
                    if (p.ProcessGuid is not null)
                    {
                        byGuid[p.ProcessGuid] = i;
                    }

                    byPid[p.ProcessId] = i;
                }
            }

            public int Count => _processes.Count;

            public ProcessSnapshot Process(int i) => _processes[i];

            public int Parent(int i) => _parent[i];

            public bool Alive(int i) => _processes[i].IsAlive;

            public int Find(string? guid, int? pid)
            {
                for (int i = _processes.Count - 1; i >= 0; i--)
                {
                    ProcessSnapshot p = _processes[i];
                    if (guid is not null && p.ProcessGuid is not null)
                    {
                        if (string.Equals(guid, p.ProcessGuid, StringComparison.OrdinalIgnoreCase))
                        {
                            return i;
                        }
                    }
                    else if (pid is int id && p.ProcessId == id)
                    {
                        return i;
                    }
                }

                return -1;
            }

            public int Find(ProcessIdentity identity)
            {
                for (int i = _processes.Count - 1; i >= 0; i--)
                {
                    if (ProcessIdentity.Of(_processes[i]).Equals(identity))
                    {
                        return i;
                    }
                }

                return -1;
            }

            public bool IsAncestor(int ancestor, int of)
            {
                for (int p = _parent[of]; p >= 0; p = _parent[p])
                {
                    if (p == ancestor)
                    {
                        return true;
                    }
                }

                return false;
            }

            public bool IsAncestorOrSelf(int ancestor, int of) => ancestor == of || IsAncestor(ancestor, of);

            public IEnumerable<int> TopmostAliveBelow(int dead)
            {
                for (int i = dead + 1; i < _processes.Count; i++)
                {
                    if (!Alive(i) || !IsAncestor(dead, i))
                    {
                        continue;
                    }

                    bool underAlive = false;
                    for (int p = _parent[i]; p >= 0 && p != dead; p = _parent[p])
                    {
                        if (Alive(p))
                        {
                            underAlive = true;
                            break;
                        }
                    }

                    if (!underAlive)
                    {
                        yield return i;
                    }
                }
            }

            public PlannedStep Step(ResponseKind kind, ProcessAction action, int i)
            {
                ProcessSnapshot p = _processes[i];
                int size = 0;
                if (action != ProcessAction.KillProcess)
                {
                    for (int k = i; k < _processes.Count; k++)
                    {
                        if (Alive(k) && IsAncestorOrSelf(i, k))
                        {
                            size++;
                        }
                    }
                }
                else
                {
                    size = p.IsAlive ? 1 : 0;
                }

                ProcessIdentity identity = ProcessIdentity.Of(p);
                return new PlannedStep(kind, identity.ToString())
                {
                    Action = action,
                    Process = identity,
                    TreeSize = size,
                    Exited = !p.IsAlive,
                    Path = p.Image,
                    Sha256 = p.Sha256,
                };
            }
        }
    }
}
