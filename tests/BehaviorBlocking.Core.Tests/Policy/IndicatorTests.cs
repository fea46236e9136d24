using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Tests.TestSupport;
using BehaviorBlocking.Tests.Verdicts;

namespace BehaviorBlocking.Tests.Policy
{
    public sealed class IndicatorTests : IDisposable
    {
        private const string HashA = "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea";
        private const string HashB = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
        private static readonly DateTimeOffset s_now = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly RuleTestKit _kit = new RuleTestKit();
        private DateTimeOffset _clock = s_now;

        public void Dispose()
        {
            _temp.Dispose();
            _kit.Dispose();
        }

        private IndicatorStore Store() => IndicatorStore.Open(_temp.Combine("s.db"), () => _clock);

        [Fact]
        public void Add_ValidHashAndPath_ListedWithNormalizedValues()
        {
            using IndicatorStore store = Store();

            Indicator hash = store.Add(new IndicatorDraft(IndicatorKind.Sha256, HashA, IndicatorVerdict.Block, IndicatorSource.Manual) { Comment = "payload", CreatedBy = "alice" });
            Indicator path = store.Add(new IndicatorDraft(IndicatorKind.Path, @"C:\Tools\evil.exe", IndicatorVerdict.Allow, IndicatorSource.Manual));

            IReadOnlyList<Indicator> listed = store.List();
            Assert.Equal(new[] { hash.Id, path.Id }, listed.Select(i => i.Id));
            Assert.Equal(HashA.ToUpperInvariant(), listed[0].Value);
            Assert.Equal("payload", listed[0].Comment);
            Assert.Equal("alice", listed[0].CreatedBy);
            Assert.Equal(s_now, listed[0].Created);
            Assert.Equal(IndicatorVerdict.Allow, listed[1].Verdict);
        }

        [Fact]
        public void Block_AsTheSink_AddsABlockIndicatorWithItsSourceAndDetection()
        {
            using IndicatorStore store = Store();
            IIndicatorSink sink = store;
            Guid detection = Guid.NewGuid();

            Indicator added = sink.Block(HashA.ToUpperInvariant(), IndicatorSource.Detection, detection, "Behavior:Linux/Execution.Test!rule", "policy");

            Indicator listed = Assert.Single(store.List());
            Assert.Equal((added.Id, IndicatorVerdict.Block, IndicatorSource.Detection, (Guid?)detection), (listed.Id, listed.Verdict, listed.Source, listed.DetectionId));
            Assert.Equal("Behavior:Linux/Execution.Test!rule", listed.Comment);
            Assert.Equal("policy", listed.CreatedBy);
        }

        [Fact]
        public void Block_ABlockAlreadyInForce_IsReturnedAsItIs()
        {
            using IndicatorStore store = Store();
            Indicator manual = store.Add(new IndicatorDraft(IndicatorKind.Sha256, HashA, IndicatorVerdict.Block, IndicatorSource.Manual)
            {
                Comment = "until the vendor fixes it",
                Expires = s_now.AddDays(7),
                CreatedBy = "alice",
            });

            Indicator again = store.Block(HashA.ToUpperInvariant(), IndicatorSource.Detection, Guid.NewGuid(), "detection", "policy");

            Assert.Equal(manual.Id, again.Id);
            Indicator listed = Assert.Single(store.List());
            Assert.Equal((IndicatorSource.Manual, "until the vendor fixes it", (DateTimeOffset?)s_now.AddDays(7), "alice"), (listed.Source, listed.Comment, listed.Expires, listed.CreatedBy));
        }

        [Fact]
        public void Block_OverAnAllowOrAnExpiredBlock_BecomesTheBlockKeepingItsId()
        {
            using IndicatorStore store = Store();
            Indicator allow = store.Add(new IndicatorDraft(IndicatorKind.Sha256, HashA, IndicatorVerdict.Allow, IndicatorSource.Manual));
            Indicator expiring = store.Add(new IndicatorDraft(IndicatorKind.Sha256, HashB, IndicatorVerdict.Block, IndicatorSource.Manual) { Expires = s_now.AddHours(1) });
            _clock = s_now.AddHours(2);

            Indicator blocked = store.Block(HashA.ToUpperInvariant(), IndicatorSource.Manual, null, "changed my mind", "bob");
            Indicator renewed = store.Block(HashB, IndicatorSource.Detection, null, "seen again", "policy");

            Assert.Equal((allow.Id, IndicatorVerdict.Block), (blocked.Id, blocked.Verdict));
            Assert.Equal((expiring.Id, (DateTimeOffset?)null, IndicatorSource.Detection), (renewed.Id, renewed.Expires, renewed.Source));
            Assert.Equal(2, store.List().Count);
        }

        [Theory]
        [InlineData(IndicatorKind.Sha256, "abc", "not a SHA-256")]
        [InlineData(IndicatorKind.Sha256, "zz79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea", "not a SHA-256")]
        [InlineData(IndicatorKind.Path, "relative/tool.exe", "not an absolute path")]
        [InlineData(IndicatorKind.Path, "C:tool.exe", "not an absolute path")]
        [InlineData(IndicatorKind.Path, "/tmp/a\u0007b", "control character")]
        public void Add_InvalidValue_RefusedWithIndicatorInvalid(IndicatorKind kind, string value, string reason)
        {
            using IndicatorStore store = Store();

            var ex = Assert.Throws<BehaviorBlockingException>(() => store.Add(new IndicatorDraft(kind, value, IndicatorVerdict.Block, IndicatorSource.Manual)));

            Assert.Equal("IndicatorInvalid", ex.ErrorId);
            Assert.Contains(reason, ex.Message);
            Assert.Empty(store.List(includeExpired: true));
        }

        [Fact]
        public void Add_SameArtifactAgain_UpdatesTheOneIndicatorKeepingItsId()
        {
            using IndicatorStore store = Store();
            Indicator first = store.Add(new IndicatorDraft(IndicatorKind.Path, @"C:\Tools\Evil.exe", IndicatorVerdict.Allow, IndicatorSource.Manual));
            _clock = s_now.AddHours(1);

            Indicator second = store.Add(new IndicatorDraft(IndicatorKind.Path, @"c:\tools\evil.EXE", IndicatorVerdict.Block, IndicatorSource.Detection) { Comment = "seen" });

            Assert.Equal(first.Id, second.Id);
            Assert.Equal(s_now, second.Created);
            Indicator only = Assert.Single(store.List());
            Assert.Equal(IndicatorVerdict.Block, only.Verdict);
            Assert.Equal(IndicatorSource.Detection, only.Source);
            Assert.Equal("seen", only.Comment);
        }

        [Fact]
        public void Add_UnixPathsDifferingInCase_AreTwoIndicators()
        {
            using IndicatorStore store = Store();
            store.Add(new IndicatorDraft(IndicatorKind.Path, "/opt/Tool", IndicatorVerdict.Block, IndicatorSource.Manual));
            store.Add(new IndicatorDraft(IndicatorKind.Path, "/opt/tool", IndicatorVerdict.Block, IndicatorSource.Manual));

            Assert.Equal(2, store.List().Count);
            Assert.Null(store.Snapshot().Match(null, "/opt/TOOL", s_now));
        }

        [Fact]
        public void Remove_ExistingAndMissing_RemovesOrSaysNotFound()
        {
            using IndicatorStore store = Store();
            Indicator added = store.Add(new IndicatorDraft(IndicatorKind.Sha256, HashA, IndicatorVerdict.Block, IndicatorSource.Manual));

            Assert.Equal(added.Id, store.Remove(added.Id).Id);
            Assert.Empty(store.List(includeExpired: true));
            Assert.Equal("IndicatorNotFound", Assert.Throws<BehaviorBlockingException>(() => store.Remove(added.Id)).ErrorId);
        }

        [Fact]
        public void Expiry_PastExpiry_HiddenFromListIgnoredBySnapshotShownWithAll()
        {
            using IndicatorStore store = Store();
            store.Add(new IndicatorDraft(IndicatorKind.Sha256, HashA, IndicatorVerdict.Block, IndicatorSource.Manual) { Expires = s_now.AddDays(1) });
            Assert.Equal("IndicatorInvalid", Assert.Throws<BehaviorBlockingException>(
                () => store.Add(new IndicatorDraft(IndicatorKind.Sha256, HashB, IndicatorVerdict.Block, IndicatorSource.Manual) { Expires = s_now })).ErrorId);
            IndicatorSet snapshot = store.Snapshot();
            Assert.NotNull(snapshot.Match(HashA, null, s_now));

            _clock = s_now.AddDays(2);

            Assert.Empty(store.List());
            Assert.Single(store.List(includeExpired: true));
            Assert.Null(snapshot.Match(HashA, null, _clock));
            Assert.Null(store.Snapshot().Match(HashA, null, _clock));
        }

        [Fact]
        public void Snapshot_Precedence_BlockOverAllowThenHashOverPath()
        {
            var allowHash = Make(IndicatorKind.Sha256, HashA.ToUpperInvariant(), IndicatorVerdict.Allow);
            var blockPath = Make(IndicatorKind.Path, @"C:\Tools\evil.exe", IndicatorVerdict.Block);
            var blockHash = Make(IndicatorKind.Sha256, HashB, IndicatorVerdict.Block);
            var allowPath = Make(IndicatorKind.Path, "/usr/bin/tool", IndicatorVerdict.Allow);
            var expiredBlock = Make(IndicatorKind.Path, "/usr/bin/old", IndicatorVerdict.Block, s_now.AddSeconds(-1));
            var set = new IndicatorSet(new[] { allowHash, blockPath, blockHash, allowPath, expiredBlock });

            Assert.Same(blockPath, set.Match(HashA, @"c:\tools\EVIL.exe", s_now));
            Assert.Same(blockHash, set.Match(HashB, @"C:\Tools\evil.exe", s_now));
            Assert.Same(blockHash, set.Match("SHA1=AB,MD5=CD,SHA256=" + HashB + ",IMPHASH=00", "/usr/bin/tool", s_now));
            Assert.Same(allowHash, set.Match(HashA.ToLowerInvariant(), "/usr/bin/tool", s_now));
            Assert.Same(allowPath, set.Match(null, "/usr/bin/tool", s_now));
            Assert.Same(allowPath, set.Match(HashA.Substring(1), "/usr/bin/tool", s_now));
            Assert.Null(set.Match(null, "/usr/bin/old", s_now));
            Assert.Null(set.Match(null, "/usr/bin/TOOL", s_now));
            Assert.Null(set.Match(null, null, s_now));
            Assert.Equal(5, set.All.Count);
        }

        [Fact]
        public void Feed_ValidJsonLinesAndArray_ImportedAsFeedIndicators()
        {
            string lines = "{\"sha256\":\"" + HashA + "\",\"verdict\":\"block\",\"comment\":\"c2 implant\"}\r\n\n"
                + "{\"path\":\"/tmp/x.sh\",\"verdict\":\"allow\",\"expires\":\"2027-01-01T00:00:00Z\"}\n";
            string array = "[\n {\"path\": \"C:\\\\a.exe\", \"verdict\": \"block\"},\n {\"sha256\": \"" + HashB + "\", \"verdict\": \"allow\"}\n]";

            IReadOnlyList<IndicatorDraft> fromLines = IndicatorFeed.Parse(Encoding.UTF8.GetBytes(lines), "feed.jsonl", s_now);
            IReadOnlyList<IndicatorDraft> fromArray = IndicatorFeed.Parse(Encoding.UTF8.GetBytes(array), "feed.json", s_now);

            Assert.Equal(2, fromLines.Count);
            Assert.Equal(HashA.ToUpperInvariant(), fromLines[0].Value);
            Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), fromLines[1].Expires);
            Assert.All(fromLines.Concat(fromArray), d => Assert.Equal(IndicatorSource.Feed, d.Source));
            Assert.Equal(@"C:\a.exe", fromArray[0].Value);
            using IndicatorStore store = Store();
            Assert.Equal(2, store.Import(fromLines).Count);
            Assert.All(store.List(), i => Assert.Equal("feed:feed.jsonl", i.CreatedBy));
        }

        [Theory]
        [InlineData("{\"sha256\":\"" + HashA + "\",\"verdict\":\"block\"}\n{\"sha256\":\"abc\",\"verdict\":\"block\"}", 2, "not a SHA-256")]
        [InlineData("{\"sha256\":\"" + HashA + "\",\"verdict\":\"block\"}\n\n{\"path\":\"/a\",\"verdict\":\"deny\"}", 3, "not allow or block")]
        [InlineData("{\"path\":\"/a\",\"verdict\":\"block\",\"extra\":\"1\"}", 1, "unknown key 'extra'")]
        [InlineData("{\"path\":\"/a\",\"verdict\":\"block\",\"verdict\":\"allow\"}", 1, "repeated")]
        [InlineData("{\"path\":\"/a\",\"sha256\":\"" + HashA + "\",\"verdict\":\"block\"}", 1, "exactly one of")]
        [InlineData("{\"path\":\"/a\",\"verdict\":\"block\"}\n{\"path\":\"/a\",\"verdict\":\"allow\"}", 2, "same path as line 1")]
        [InlineData("{\"path\":\"/a\",\"verdict\":\"block\",\"expires\":\"2020-01-01T00:00:00Z\"}", 1, "not in the future")]
        [InlineData("{\"path\":\"/a\",\"verdict\":\"block\",\"expires\":\"2030-01-01\"}", 1, "ISO 8601")]
        [InlineData("{\"path\":\"/a\",\"verdict\":\"block\"} {}", 1, "after a single JSON value")]
        [InlineData("{\"path\":\"/a\",\"verdict\":true}", 1, "must be a string")]
        [InlineData("{\"path\":\"/a\",\"verdict\":\"block\"}\n{\"path\":", 2, "not valid JSON")]
        [InlineData("[\n{\"path\":\"/a\",\"verdict\":\"block\"},\n\n{\"path\":\"rel\",\"verdict\":\"block\"}\n]", 4, "not an absolute path")]
        [InlineData("[\n{\"path\":\"/a\",\"verdict\":\"block\"}\n", 3, "not")]
        public void Feed_OneBadEntry_RejectsTheWholeFeedNamingTheLine(string feed, long line, string reason)
        {
            string file = _temp.Combine("bad.jsonl");
            File.WriteAllText(file, feed);

            var ex = Assert.Throws<IndicatorFeedException>(() => IndicatorFeed.Read(file, s_now));

            Assert.Equal("IndicatorFeedInvalid", ex.ErrorId);
            Assert.Equal(file, ex.File);
            Assert.Equal(line, ex.Line);
            Assert.Contains(reason, ex.Reason);
            Assert.Contains("line " + line, ex.Message);
        }

        [Fact]
        public void Feed_FuzzSeeds_ValidOnesAcceptedOthersRejected()
        {
            var seeds = BehaviorBlocking.Fuzz.SeedCorpus.Indicators(new BehaviorBlocking.Fuzz.FixtureRoot(TestPaths.RepositoryRoot)).Take(8).ToList();

            Assert.Equal(new[] { 2, 2, 2 }, seeds.Take(3).Select(s => IndicatorFeed.Parse(s.Content, s.Name, s_now).Count));
            Assert.All(seeds.Skip(3), s => Assert.Throws<IndicatorFeedException>(() => IndicatorFeed.Parse(s.Content, s.Name, s_now)));
        }

        [Fact]
        public void Feed_EmptyOrTooLarge_Rejected()
        {
            Assert.Contains("no indicators", Assert.Throws<IndicatorFeedException>(() => IndicatorFeed.Parse(Encoding.UTF8.GetBytes("\n\n"), "f", s_now)).Reason);
            string big = _temp.Combine("big.jsonl");
            using (FileStream s = File.Create(big))
            {
                s.SetLength(IndicatorFeed.MaxBytes + 1);
            }

            Assert.Contains("more than the limit", Assert.Throws<IndicatorFeedException>(() => IndicatorFeed.Read(big, s_now)).Reason);
        }

        [Fact]
        public void Import_FeedEntryForAManualIndicator_LeavesTheManualOne()
        {
            using IndicatorStore store = Store();
            Indicator manual = store.Add(new IndicatorDraft(IndicatorKind.Sha256, HashA, IndicatorVerdict.Block, IndicatorSource.Manual));

            store.Import(IndicatorFeed.Parse(Encoding.UTF8.GetBytes("{\"sha256\":\"" + HashA + "\",\"verdict\":\"allow\"}"), "f.jsonl", s_now));

            Indicator only = Assert.Single(store.List());
            Assert.Equal(manual.Id, only.Id);
            Assert.Equal(IndicatorVerdict.Block, only.Verdict);
            Assert.Equal(IndicatorSource.Manual, only.Source);
        }

        [Fact]
        public void Detector_ProcessStartWithBlockedHash_SignalsCriticalExecutionIndicator()
        {
            Indicator block = Make(IndicatorKind.Sha256, HashB, IndicatorVerdict.Block);
            var detector = new IndicatorDetector(new IndicatorSet(new[] { block, Make(IndicatorKind.Sha256, HashA.ToUpperInvariant(), IndicatorVerdict.Allow) }), () => s_now);
            var sink = new Sink();

            detector.OnEvent(_kit.Start(1, 100, @"C:\Users\a\payload.exe", "payload.exe", 4, SysmonEvents.Explorer, "MD5=00,SHA256=" + HashB), null, sink);
            detector.OnEvent(_kit.Start(2, 101, @"C:\Users\a\fine.exe", "fine.exe", 4, SysmonEvents.Explorer, "SHA256=" + HashA), null, sink);
            detector.OnEvent(_kit.Start(3, 102, @"C:\Users\a\other.exe", "other.exe", 4, SysmonEvents.Explorer, "SHA256=" + new string('0', 64)), null, sink);
            detector.OnEvent(_kit.FileCreate(4, 100, @"C:\Users\a\payload.exe", @"C:\x"), null, sink);

            ISignalSource source = Assert.Single(sink.Sources);
            Assert.Equal(block.Id.ToString("D"), source.Id);
            Assert.Equal(Severity.Critical, source.Level);
            Assert.Equal(Tactic.Execution, source.Tactic);
            Assert.Equal("indicator", ((ISignalEvidence)source).EvidenceKind);
        }

        [Fact]
        public void Detector_ExecutionDeniedOfABlockedHash_SignalsTheIndicator()
        {
            Indicator block = Make(IndicatorKind.Sha256, HashB, IndicatorVerdict.Block);
            var detector = new IndicatorDetector(new IndicatorSet(new[] { block }), () => s_now);
            var sink = new Sink();
            var denied = new BehaviorEvent
            {
                Kind = EventKind.ExecutionDenied,
                Platform = DetectionPlatform.Linux,
                Time = s_now,
                ProcessId = 77,
                Image = "/usr/bin/dash",
                TargetPath = "/tmp/payload",
                Hashes = "SHA256=" + HashB,
            };
            var otherDenied = new BehaviorEvent { Kind = EventKind.ExecutionDenied, Time = s_now, ProcessId = 78, TargetPath = "/tmp/other", Hashes = "SHA256=" + HashA };

            detector.OnEvent(denied, null, sink);
            detector.OnEvent(otherDenied, null, sink);

            Assert.Equal(block.Id.ToString("D"), Assert.Single(sink.Sources).Id);
        }

        [Fact]
        public void Detector_BlockedPathOrExpired_SignalsHighOnlyWhileInForce()
        {
            Indicator path = Make(IndicatorKind.Path, @"C:\Users\a\payload.exe", IndicatorVerdict.Block, s_now.AddMinutes(1));
            DateTimeOffset now = s_now;
            var detector = new IndicatorDetector(new IndicatorSet(new[] { path }), () => now);
            var sink = new Sink();

            detector.OnEvent(_kit.Start(1, 100, @"C:\USERS\A\PAYLOAD.EXE", "payload.exe", 4, SysmonEvents.Explorer), null, sink);
            now = s_now.AddMinutes(2);
            detector.OnEvent(_kit.Start(2, 101, @"C:\Users\a\payload.exe", "payload.exe", 4, SysmonEvents.Explorer), null, sink);

            Assert.Equal(Severity.High, Assert.Single(sink.Sources).Level);
        }

        [Fact]
        public void Detector_InAPipeline_BlockedStartBecomesDetectionWithIndicatorEvidence()
        {
            Indicator block = Make(IndicatorKind.Sha256, HashB, IndicatorVerdict.Block);
            var run = new VerdictRecorder(new IDetector[] { new IndicatorDetector(new IndicatorSet(new[] { block })) });

            run.Pipeline.Process(_kit.Start(1, 100, @"C:\Users\a\payload.exe", "payload.exe", 4, SysmonEvents.Explorer, "SHA256=" + HashB));
            run.Pipeline.EndRecording();

            Detection detection = Assert.Single(run.Detections);
            Assert.Equal("Behavior:Win32/Execution.BlockedIndicator!rule", detection.Name);
            Evidence evidence = Assert.Single(detection.Evidence, e => e.Kind == "indicator");
            Assert.Equal(block.Id.ToString("D"), evidence.Id);
        }

        [Fact]
        public void Detector_NoMatch_AllocatesNothing()
        {
            var detector = new IndicatorDetector(new IndicatorSet(new[]
            {
                Make(IndicatorKind.Sha256, HashB, IndicatorVerdict.Block),
                Make(IndicatorKind.Path, @"C:\blocked.exe", IndicatorVerdict.Block),
                Make(IndicatorKind.Path, "/usr/bin/blocked", IndicatorVerdict.Block),
            }));
            var sink = new Sink();
            BehaviorEvent windows = _kit.Start(1, 100, @"C:\Users\a\fine.exe", "fine.exe", 4, SysmonEvents.Explorer, "MD5=00,SHA256=" + HashA + ",IMPHASH=11");
            BehaviorEvent unix = new BehaviorEvent { Kind = EventKind.ProcessStart, Image = "/usr/bin/fine", Hashes = HashA };
            detector.OnEvent(windows, null, sink);

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                detector.OnEvent(windows, null, sink);
                detector.OnEvent(unix, null, sink);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Empty(sink.Sources);
        }

        private static Indicator Make(IndicatorKind kind, string value, IndicatorVerdict verdict, DateTimeOffset? expires = null) =>
            new Indicator(Guid.NewGuid(), kind, value, verdict, IndicatorSource.Manual, s_now.AddDays(-1)) { Expires = expires };

        private sealed class Sink : ISignalSink
        {
            public List<ISignalSource> Sources { get; } = new List<ISignalSource>();

            public void Signal(ISignalSource source, BehaviorEvent behaviorEvent, ProcessNode? process) => Sources.Add(source);
        }
    }
}
