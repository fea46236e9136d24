using System;
using System.IO;
using System.Security.Cryptography;
using BehaviorBlocking.Sensors.Linux;

namespace BehaviorBlocking.Tests.Sensors.Linux
{
    public sealed class ExecutableHashCacheTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "bb-hashcache-" + Guid.NewGuid().ToString("N"));

        public ExecutableHashCacheTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, true);

        private static string Expected(byte[] content) => Convert.ToHexString(SHA256.HashData(content));

        [Fact]
        public void Sha256OfPath_HashesTheContentAndServesTheSecondLookupFromTheCache()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            string file = Path.Combine(_dir, "tool");
            byte[] content = new byte[200_000];
            new Random(7).NextBytes(content);
            File.WriteAllBytes(file, content);
            var cache = new ExecutableHashCache();

            Assert.Equal(Expected(content), cache.Sha256OfPath(file));
            Assert.Equal(Expected(content), cache.Sha256OfPath(file));
            Assert.Equal(1, cache.Misses);
            Assert.Equal(1, cache.Hits);
        }

        [Fact]
        public void Sha256OfPath_ContentRewrittenInPlace_IsHashedAgain()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            string file = Path.Combine(_dir, "tool");
            File.WriteAllBytes(file, new byte[] { 1, 2, 3 });
            var cache = new ExecutableHashCache();
            cache.Sha256OfPath(file);

            File.WriteAllBytes(file, new byte[] { 4, 5, 6 });
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));

            Assert.Equal(Expected(new byte[] { 4, 5, 6 }), cache.Sha256OfPath(file));
            Assert.Equal(2, cache.Misses);
        }

        [Fact]
        public void Sha256OfPath_TooLargeMissingOrNotAFile_IsNullAndCounted()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            string file = Path.Combine(_dir, "big");
            File.WriteAllBytes(file, new byte[4096]);
            var cache = new ExecutableHashCache(maxBytes: 1024);

            Assert.Null(cache.Sha256OfPath(file));
            Assert.Null(cache.Sha256OfPath(Path.Combine(_dir, "missing")));
            Assert.Null(cache.Sha256OfPath(_dir));
            Assert.Equal(1, cache.TooLarge);
            Assert.Equal(2, cache.Failures);
        }

        [Fact]
        public void Capacity_WhenFull_StartsAfreshAndStaysBounded()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            var cache = new ExecutableHashCache(capacity: 2);
            for (int i = 0; i < 5; i++)
            {
                string file = Path.Combine(_dir, "f" + i);
                File.WriteAllBytes(file, new[] { (byte)i });
                Assert.Equal(Expected(new[] { (byte)i }), cache.Sha256OfPath(file));
            }

            Assert.True(cache.Count <= 2);
        }
    }
}
