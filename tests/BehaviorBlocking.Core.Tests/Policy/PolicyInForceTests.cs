using System;
using System.IO;
using System.Threading;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Tests.TestSupport;
using BehaviorBlocking.Verdicts;
using static BehaviorBlocking.Tests.Policy.PolicyVerdicts;

namespace BehaviorBlocking.Tests.Policy
{
    public sealed class PolicyInForceTests : IDisposable
    {
        private const string AuditJson = "{\"schemaVersion\": 1, \"version\": \"old\", \"mode\": \"Audit\", \"defaults\": {\"threshold\": 0.9, \"action\": \"None\"}}";
        private const string BlockJson = "{\"schemaVersion\": 1, \"version\": \"new\", \"mode\": \"Block\", \"defaults\": {\"threshold\": 0.1, \"action\": \"Suspend\", \"quarantine\": true}}";
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void Swap_ConcurrentReader_SeesWholeOldOrWholeNewNeverAMix()
        {
            BlockingPolicy old = PolicyOf(AuditJson);
            BlockingPolicy next = PolicyOf(BlockJson);
            var holder = new PolicyInForce(old);
            Verdict verdict = Make(score: 0.5);
            int mixed = 0;
            int sawOld = 0;
            int sawNew = 0;
            using var stop = new ManualResetEventSlim();
            var reader = new Thread(() =>
            {
                while (!stop.IsSet)
                {
                    // One read of the snapshot: its mode, version and decision must all belong to it.
                    BlockingPolicy current = holder.Current;
                    PolicyDecision decision = current.Decide(verdict);
                    bool isOld = current.Version == "old" && current.Mode == PolicyMode.Audit && !decision.RequiresResponse;
                    bool isNew = current.Version == "new" && current.Mode == PolicyMode.Block && decision.Action == ResponseAction.Suspend && decision.Quarantine;
                    if (isOld)
                    {
                        sawOld++;
                    }
                    else if (isNew)
                    {
                        sawNew++;
                    }
                    else
                    {
                        Interlocked.Increment(ref mixed);
                    }

                    // Through the holder itself: a decision is either the old policy's or the new one's.
                    PolicyDecision viaHolder = holder.Decide(verdict);
                    if (viaHolder.RequiresResponse && viaHolder.Action != ResponseAction.Suspend)
                    {
                        Interlocked.Increment(ref mixed);
                    }
                }
            }) { IsBackground = true };
            reader.Start();
            try
            {
                for (int i = 0; i < 20_000; i++)
                {
                    holder.Swap(i % 2 == 0 ? next : old);
                }
            }
            finally
            {
                stop.Set();
                reader.Join();
            }

            Assert.Equal(0, mixed);
            Assert.True(sawOld + sawNew > 0);
        }

        [Fact]
        public void Swap_ReturnsThePreviousSnapshot()
        {
            BlockingPolicy old = PolicyOf(AuditJson);
            var holder = new PolicyInForce(old);

            Assert.Same(old, holder.Swap(PolicyOf(BlockJson)));
            Assert.Equal("new", holder.Version);
        }

        [Fact]
        public void TryReload_ValidFile_PutsItInForce()
        {
            string path = _temp.Combine("policy.json");
            File.WriteAllText(path, BlockJson);
            var holder = new PolicyInForce(PolicyOf(AuditJson));

            Assert.True(holder.TryReload(path, out BehaviorBlockingException? error));

            Assert.Null(error);
            Assert.Equal(PolicyMode.Block, holder.Mode);
            Assert.Equal(path, holder.Current.Source);
            Assert.NotNull(holder.Current.Sha256);
        }

        [Fact]
        public void TryReload_CorruptFile_KeepsTheOldSnapshotAndSaysWhere()
        {
            string path = _temp.Combine("policy.json");
            File.WriteAllText(path, "{\"schemaVersion\": 1,\n \"version\": \"broken\",\n \"mode\": \"Blok\"}");
            BlockingPolicy old = PolicyOf(AuditJson);
            var holder = new PolicyInForce(old);

            Assert.False(holder.TryReload(path, out BehaviorBlockingException? error));

            Assert.Same(old, holder.Current);
            Assert.Equal("PolicyFileInvalid", error!.ErrorId);
            Assert.StartsWith(path + ":3:10: $.mode: 'Blok' is not one of Off, Audit, Block", error.Message);
            PolicyProblem problem = Assert.Single(Assert.IsType<PolicyInvalidException>(error).Problems);
            Assert.Equal(3, problem.Line);
        }

        [Fact]
        public void TryReload_TruncatedFile_KeepsTheOldSnapshot()
        {
            string path = _temp.Combine("policy.json");
            File.WriteAllText(path, BlockJson.Substring(0, BlockJson.Length / 2));
            BlockingPolicy old = PolicyOf(AuditJson);
            var holder = new PolicyInForce(old);

            Assert.False(holder.TryReload(path, out BehaviorBlockingException? error));

            Assert.Same(old, holder.Current);
            Assert.Contains("not valid JSON", error!.Message);
        }

        [Fact]
        public void TryReload_NoFile_IsTheDefaultAuditPolicy()
        {
            var holder = new PolicyInForce(PolicyOf(BlockJson));

            Assert.True(holder.TryReload(_temp.Combine("none.json"), out _));

            Assert.Equal(PolicyMode.Audit, holder.Mode);
            Assert.Equal(PolicyDocument.DefaultVersion, holder.Version);
            Assert.Null(holder.Current.Source);
        }

        [Fact]
        public void TryReload_KeepsTheClockAndIndicatorsOfTheSnapshotInForce()
        {
            string path = _temp.Combine("policy.json");
            File.WriteAllText(path, BlockJson);
            var indicators = new ListIndicatorLookup(new Indicator(Guid.NewGuid(), IndicatorKind.Sha256, Sha, IndicatorVerdict.Allow, IndicatorSource.Manual, DateTimeOffset.UnixEpoch));
            var holder = new PolicyInForce(PolicyOf(AuditJson, indicators: indicators));

            Assert.True(holder.TryReload(path, out _));

            Assert.Same(indicators, holder.Current.Indicators);
            Assert.True(holder.Decide(Make()).Excluded);
        }
    }
}
