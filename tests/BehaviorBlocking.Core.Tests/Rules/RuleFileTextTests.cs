using System;
using System.IO;
using System.Linq;
using System.Text;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Tests.Rules
{
    public sealed class RuleFileTextTests : IDisposable
    {
        private readonly RuleTestKit _kit = new RuleTestKit();

        public void Dispose() => _kit.Dispose();

        private static string? Decode(byte[] bytes, out string? refusal) => RuleFileText.Decode(bytes, bytes.Length, out refusal);

        [Theory]
        [InlineData(new byte[] { 0x61, 0x0A, 0x62, 0xE9, 0x0A }, 3, 2)] // Latin-1 'é'
        [InlineData(new byte[] { 0x61, 0xC0, 0xAF }, 1, 1)] // overlong '/'
        [InlineData(new byte[] { 0x61, 0xED, 0xA0, 0x80 }, 1, 1)] // UTF-16 surrogate encoded
        [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 }, 0, 1)] // past U+10FFFF
        [InlineData(new byte[] { 0x0A, 0x0A, 0xE2, 0x82 }, 2, 3)] // cut short at the end
        [InlineData(new byte[] { 0x80 }, 0, 1)] // lone continuation byte
        public void Decode_InvalidUtf8_RefusedNamingTheByteOffsetAndLine(byte[] bytes, int offset, int line)
        {
            Assert.Null(Decode(bytes, out string? refusal));
            Assert.Equal($"the file is not valid UTF-8: invalid byte sequence at byte offset {offset} (line {line})", refusal);
        }

        [Fact]
        public void Decode_ValidUtf8WithAndWithoutMark_DecodesExactly()
        {
            const string text = "title: é 中 😀\n";
            byte[] plain = Encoding.UTF8.GetBytes(text);

            Assert.Equal(text, Decode(plain, out _));
            Assert.Equal(text, Decode(new byte[] { 0xEF, 0xBB, 0xBF }.Concat(plain).ToArray(), out string? refusal));
            Assert.Null(refusal);
        }

        [Fact]
        public void Decode_Utf16WithMark_DecodesAndALoneSurrogateIsRefused()
        {
            // What Windows PowerShell 5.1 writes with Out-File or '>'.
            byte[] utf16 = new byte[] { 0xFF, 0xFE }.Concat(Encoding.Unicode.GetBytes("id: x\n")).ToArray();
            Assert.Equal("id: x\n", Decode(utf16, out _));
            Assert.Equal("id: x\n", Decode(new byte[] { 0xFE, 0xFF }.Concat(Encoding.BigEndianUnicode.GetBytes("id: x\n")).ToArray(), out _));

            byte[] lone = new byte[] { 0xFF, 0xFE, 0x61, 0x00, 0x0A, 0x00, 0x00, 0xD8, 0x62, 0x00 };
            Assert.Null(Decode(lone, out string? refusal));
            Assert.Equal("the file is not valid UTF-16LE: invalid byte sequence at byte offset 6 (line 2)", refusal);
        }

        [Fact]
        public void InvalidUtf8_AgreesWithTheStrictDecoderOnRandomBytes()
        {
            var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
            var random = new Random(11);
            byte[] interesting = { 0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x9F, 0x90, 0x8F };
            for (int round = 0; round < 20_000; round++)
            {
                byte[] bytes = new byte[1 + random.Next(6)];
                for (int i = 0; i < bytes.Length; i++)
                {
                    bytes[i] = interesting[random.Next(interesting.Length)];
                }

                bool valid;
                try
                {
                    strict.GetString(bytes);
                    valid = true;
                }
                catch (DecoderFallbackException)
                {
                    valid = false;
                }

                Assert.True(valid == (RuleFileText.InvalidUtf8(bytes, 0, bytes.Length) < 0), BitConverter.ToString(bytes));
            }
        }

        [Fact]
        public void Load_NonUtf8RuleFile_SkippedNamingFileAndOffsetAndTheOthersLoad()
        {
            string rule = RuleTestKit.Rule("latin1", "category: process_creation", "  sel:\n    Image|endswith: '\\caf\u00e9.exe'\n  condition: sel");
            byte[] latin1 = Encoding.Latin1.GetBytes(rule);
            int offset = Array.IndexOf(latin1, (byte)0xE9);

            RuleSet rules = _kit
                .WriteBytes("latin1.yml", latin1)
                .Write("good.yml", RuleTestKit.Rule("good", "category: process_creation", "  sel:\n    Image|endswith: '\\a.exe'\n  condition: sel"))
                .Load();

            Assert.Equal(new[] { "good" }, rules.Rules.Select(r => r.Id));
            RuleLoadIssue issue = Assert.Single(rules.Skipped);
            Assert.EndsWith("latin1.yml", issue.File);
            Assert.Equal($"the file is not valid UTF-8: invalid byte sequence at byte offset {offset} (line 12)", issue.Reason);
        }

        [Fact]
        public void Read_FileLargerThanTheLimit_RefusedWithItsSize()
        {
            string path = Path.Combine(_kit.Folder, "big.yml");
            File.WriteAllBytes(path, new byte[RuleLimits.MaxFileBytes + 1]);

            Assert.Null(RuleFileText.Read(path, out string? refusal));

            Assert.Equal($"the file is {RuleLimits.MaxFileBytes + 1:N0} bytes; a rule file may have at most {RuleLimits.MaxFileBytes:N0}", refusal);
            File.WriteAllBytes(path, Encoding.UTF8.GetBytes(new string('#', RuleLimits.MaxFileBytes)));
            Assert.Equal(RuleLimits.MaxFileBytes, RuleFileText.Read(path, out _)!.Length);
        }
    }
}
