using System;
using BehaviorBlocking.Response;

namespace BehaviorBlocking.Tests.TestSupport
{
    /// <summary>
    /// Guard rails for a Block-mode monitor over the whole machine in a test: the product's own rails, and besides them
    /// every process that is not a descendant of this test process is refused. Without this, a verdict on some other
    /// process of the machine (a developer's shell, a build agent's step) would have it killed by the test.
    /// </summary>
    internal sealed class DescendantsOnlyGuardRails : IGuardRails
    {
        private readonly IGuardRails _inner;
        private readonly int _ancestor;

        public DescendantsOnlyGuardRails(IGuardRails inner, int ancestor)
        {
            _inner = inner;
            _ancestor = ancestor;
        }

        public string? RefuseProcess(int processId)
        {
            string? refused = _inner.RefuseProcess(processId);
            if (refused is not null)
            {
                return refused;
            }

            // Walk the parent chain: a descendant reaches the test process before pid 1 (or a process that is gone).
            int pid = processId;
            for (int depth = 0; depth < 512 && pid > 1; depth++)
            {
                BehaviorBlocking.Response.Linux.ProcStat? stat = BehaviorBlocking.Response.Linux.ProcFs.ReadStat(pid);
                if (stat is null)
                {
                    break;
                }

                if (stat.Value.ParentId == _ancestor)
                {
                    return null;
                }

                pid = stat.Value.ParentId;
            }

            return "not started by the test (pid " + processId + " does not descend from the test process " + _ancestor + ")";
        }

        public string? RefuseFile(string path) => _inner.RefuseFile(path);
    }
}
