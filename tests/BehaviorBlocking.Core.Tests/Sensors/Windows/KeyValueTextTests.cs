using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Tests.Events
{
    public class KeyValueTextTests
    {
        [Theory]
        [InlineData("\tHostName=ConsoleHost\r\n\tHostApplication=powershell.exe -enc AA\r\n\tEngineVersion=5.1", "HostApplication", '=', "powershell.exe -enc AA")]
        [InlineData("        Host Application = C:\\ps.exe\n        User = A\\b\n", "Host Application", '=', "C:\\ps.exe")]
        [InlineData("        Connected User = \r\n        User = A\\b\r\n", "User", '=', "A\\b")]
        [InlineData("\tAccount Name:\twardog\r\n", "Account Name", ':', "wardog")]
        [InlineData("\tScriptName=\r\n\tCommandLine=x", "ScriptName", '=', null)]
        [InlineData("CommandLine=echo HostApplication=fake\r\n", "HostApplication", '=', null)]
        [InlineData("no keys here", "HostApplication", '=', null)]
        public void Find_KeyAtLineStart_ReturnsRestOfLine(string text, string key, char separator, string? expected)
        {
            Assert.Equal(expected, KeyValueText.Find(text, key, separator));
        }

        [Fact]
        public void After_HeaderLine_ReturnsTrimmedRemainder()
        {
            const string Text = "Context Information: \r\n\tCommandLine=x Details: y\r\n\r\nDetails: \r\nCommandInvocation(Get-Date): \"Get-Date\"\r\n";

            Assert.Equal("CommandInvocation(Get-Date): \"Get-Date\"", KeyValueText.After(Text, "Details:", 0));
        }

        [Fact]
        public void After_MissingHeader_ReturnsNull()
        {
            Assert.Null(KeyValueText.After("a\r\nb", "Details:", 0));
        }
    }
}
