using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Module.Tests.TestSupport;
using BehaviorBlocking.Response;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class InvokeBehaviorBlockCommandTests
    {
        [Fact]
        public void InvokeBehaviorBlock_PipedDetectionsWithWhatIf_ReportsEachAndRecordsNothing()
        {
            using var session = new ModuleSession();
            Detection[] stored = GetBehaviorDetectionCommandTests.FillStore();
            var results = session.Invoke<BlockResult>("Get-BehaviorDetection | Invoke-BehaviorBlock -Action KillTree -WhatIf");
            Assert.Equal(stored.Select(d => d.Id), results.Select(r => r.Detection!.Id));
            Assert.All(results, r =>
            {
                Assert.True(r.WhatIf);
                Assert.False(r.Recorded);
                Assert.StartsWith("detection " + r.Detection!.Name + " on ", r.Target, StringComparison.Ordinal);
            });
            Assert.Empty(session.Errors);
            var after = session.Invoke<Detection>("Get-BehaviorDetection");
            Assert.Equal(stored.Select(d => d.Actions.Count), after.Select(d => d.Actions.Count));
        }

        [Fact]
        public void InvokeBehaviorBlock_ProcessIdWithWhatIf_LeavesTheProcessRunning()
        {
            using var session = new ModuleSession();
            using Process sleeper = Start("sleep", "300");
            try
            {
                BlockResult result = Assert.Single(session.Invoke<BlockResult>("Invoke-BehaviorBlock -ProcessId $procid -WhatIf", ("procid", sleeper.Id)));
                Assert.Equal("PID " + sleeper.Id + " (sleep)", result.Target);
                Assert.Equal(StepOutcome.WhatIf, Assert.Single(result.Steps).Outcome);
                Assert.False(sleeper.WaitForExit(200));
            }
            finally
            {
                Kill(sleeper);
            }
        }

        [Fact]
        public void InvokeBehaviorBlock_ProcessIdConfirmed_KillsTheTreeTheTestStarted()
        {
            using var session = new ModuleSession();
            using Process shell = Start("sh", "-c \"sleep 300 & wait\"");
            try
            {
                int child = WaitForChild(shell.Id);
                BlockResult result = Assert.Single(session.Invoke<BlockResult>("Invoke-BehaviorBlock -ProcessId $procid -Confirm:$false", ("procid", shell.Id)));
                Assert.True(result.Succeeded, string.Join("; ", result.Steps.Select(s => s.Outcome + " " + s.Detail)));
                Assert.True(result.Recorded);
                Assert.True(shell.WaitForExit(10000));
                Assert.False(Directory.Exists("/proc/" + child) && !File.ReadAllText("/proc/" + child + "/stat").Contains(") Z "));
                Assert.Empty(session.Errors);
            }
            finally
            {
                Kill(shell);
            }
        }

        [Fact]
        public void InvokeBehaviorBlock_DeserializedDetection_BindsByIdProperty()
        {
            using var session = new ModuleSession();
            Detection first = GetBehaviorDetectionCommandTests.FillStore()[0];
            var results = session.Invoke<BlockResult>(
                "$d = Get-BehaviorDetection -Id $id; [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($d)) | Invoke-BehaviorBlock -Action Suspend -WhatIf",
                ("id", first.Id));
            Assert.Equal(first.Id, Assert.Single(results).Detection!.Id);
        }

        [Fact]
        public void InvokeBehaviorBlock_DetectionOfAnotherHostConfirmed_WritesBlockNotCompletedAndRecordsTheStep()
        {
            using var session = new ModuleSession();
            Detection first = GetBehaviorDetectionCommandTests.FillStore()[0];
            BlockResult result = Assert.Single(session.Invoke<BlockResult>("Invoke-BehaviorBlock -Id $id -Action KillTree -Confirm:$false", ("id", first.Id)));
            Assert.Equal(StepOutcome.NotSupported, Assert.Single(result.Steps).Outcome);
            Assert.True(result.Recorded);
            ErrorRecord error = Assert.Single(session.Errors);
            Assert.Equal("BlockNotCompleted,BehaviorBlocking.Commands.InvokeBehaviorBlockCommand", error.FullyQualifiedErrorId);
            Assert.Equal(first.Id, error.TargetObject);
        }

        [Fact]
        public void InvokeBehaviorBlock_BadInputs_WriteTheirErrorIdsForEachAndGoOn()
        {
            using var session = new ModuleSession();
            Detection first = GetBehaviorDetectionCommandTests.FillStore()[0];
            Guid missing = Guid.NewGuid();
            var results = session.Invoke<BlockResult>("Invoke-BehaviorBlock -Id $m, $k -Action KillTree -WhatIf", ("m", missing), ("k", first.Id));
            Assert.Equal(first.Id, Assert.Single(results).Detection!.Id);
            ErrorRecord notFound = Assert.Single(session.Errors);
            Assert.Equal("DetectionNotFound,BehaviorBlocking.Commands.InvokeBehaviorBlockCommand", notFound.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, notFound.CategoryInfo.Category);
            Assert.Equal(missing.ToString("D"), notFound.TargetObject.ToString());

            Assert.Empty(session.Invoke("Invoke-BehaviorBlock -Sha256 'not-a-hash' -WhatIf"));
            Assert.Equal("InvalidArgument,BehaviorBlocking.Commands.InvokeBehaviorBlockCommand", Assert.Single(session.Errors).FullyQualifiedErrorId);

            // The default policy is Audit, which asks for nothing: without -Action the person must name the step.
            Assert.Empty(session.Invoke("Invoke-BehaviorBlock -Id $k -WhatIf", ("k", first.Id)));
            ErrorRecord noStep = Assert.Single(session.Errors);
            Assert.Equal("InvalidArgument,BehaviorBlocking.Commands.InvokeBehaviorBlockCommand", noStep.FullyQualifiedErrorId);
            Assert.Equal(first.Id, noStep.TargetObject);
        }

        private static Process Start(string file, string arguments) =>
            Process.Start(new ProcessStartInfo(file, arguments) { UseShellExecute = false }) ?? throw new InvalidOperationException("could not start " + file);

        private static int WaitForChild(int parent)
        {
            string children = "/proc/" + parent + "/task/" + parent + "/children";
            for (int i = 0; i < 200; i++)
            {
                string text = File.Exists(children) ? File.ReadAllText(children).Trim() : string.Empty;
                if (text.Length > 0)
                {
                    return int.Parse(text.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                }

                System.Threading.Thread.Sleep(50);
            }

            throw new InvalidOperationException("the shell started no child");
        }

        private static void Kill(Process process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
