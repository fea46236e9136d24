using System;
using System.Diagnostics;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Engine
{
    public sealed class BlockServiceTests : IDisposable
    {
        private static readonly DateTimeOffset s_t0 = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void DescribeTarget_EachKindOfTarget_NamesItAsThePromptAndTheResultDo()
        {
            string path = _temp.Combine("store.db");
            Detection d = DetectionFixtures.At(s_t0);
            using (DetectionStore store = DetectionStore.Open(path))
            {
                store.Upsert(new[] { d });
            }

            Assert.Equal("detection " + d.Name + " on " + d.Host, BlockService.DescribeTarget(new BlockRequest { DetectionId = d.Id, StorePath = path }));
            Assert.Equal("file " + System.IO.Path.GetFullPath(_temp.Combine("x")), BlockService.DescribeTarget(new BlockRequest { Path = _temp.Combine("x") }));
            Assert.Equal("SHA-256 " + new string('A', 64), BlockService.DescribeTarget(new BlockRequest { Sha256 = new string('a', 64) }));
            Assert.Throws<ArgumentException>(() => BlockService.DescribeTarget(new BlockRequest { Sha256 = "nope" }));
            var missing = Assert.Throws<BehaviorBlockingException>(() => BlockService.DescribeTarget(new BlockRequest { DetectionId = Guid.NewGuid(), StorePath = path }));
            Assert.Equal(ErrorIds.DetectionNotFound, missing.ErrorId);
        }

        [Fact]
        public void Run_WhatIfOnAProcessTheTestStarted_NamesTheTargetAndLeavesItRunning()
        {
            using Process sleeper = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
            try
            {
                var request = new BlockRequest { ProcessId = sleeper.Id, WhatIf = true, StorePath = _temp.Combine("store.db") };
                using ResponseComponents components = ResponseComponents.ForThisMachine(_temp.FullPath, request.StorePath);
                BlockResult result = BlockService.Run(request, components);
                Assert.Equal(BlockService.DescribeTarget(request), result.Target);
                Assert.Equal("PID " + sleeper.Id + " (sleep)", result.Target);
                Assert.True(result.WhatIf);
                Assert.False(result.Recorded);
                Assert.Equal(StepOutcome.WhatIf, Assert.Single(result.Steps).Outcome);
                Assert.False(sleeper.HasExited);
            }
            finally
            {
                sleeper.Kill(entireProcessTree: true);
            }
        }
    }
}
