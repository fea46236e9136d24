using System;
using System.Collections.Generic;
using System.Text;

namespace BehaviorBlocking.Events
{
    /// <summary>
    /// The normalized command line rules can match beside the raw one (<c>CommandLineNormalized</c>):
    /// one spelling for the many ways a command line can be written to slip past a literal match.
    /// See docs/rules.md, "Normalized command line", for the steps and their order.
    /// </summary>
    public static class CommandLineNormalizer
    {
        // Longer than this, the line is normalized only up to here (a rule still sees the raw field whole).
        private const int MaxLength = 32 * 1024;

        private static readonly KeyValuePair<string, string>[] s_variables =
        {
            new KeyValuePair<string, string>("comspec", @"c:\windows\system32\cmd.exe"),
            new KeyValuePair<string, string>("systemroot", @"c:\windows"),
            new KeyValuePair<string, string>("windir", @"c:\windows"),
            new KeyValuePair<string, string>("programfiles(x86)", @"c:\program files (x86)"),
            new KeyValuePair<string, string>("programfiles", @"c:\program files"),
            new KeyValuePair<string, string>("programdata", @"c:\programdata"),
            new KeyValuePair<string, string>("systemdrive", "c:"),
        };

        // PowerShell's own parameters of powershell.exe and pwsh, in the order a prefix resolves to them
        // (-e is -EncodedCommand, -ex -ExecutionPolicy, -c -Command, -w -WindowStyle, as PowerShell reads them).
        private static readonly string[] s_powerShellParameters =
        {
            "encodedcommand", "executionpolicy", "encodedarguments", "command", "commandwithargs", "configurationname",
            "custompipename", "file", "windowstyle", "workingdirectory", "noprofile", "noninteractive", "nologo", "noexit",
            "noprofileloadtime", "version", "sta", "mta", "inputformat", "outputformat", "settingsfile", "login",
        };

        private static readonly Dictionary<string, string> s_powerShellAliases = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ec"] = "encodedcommand",
            ["ep"] = "executionpolicy",
            ["ea"] = "encodedarguments",
            ["cwa"] = "commandwithargs",
            ["wd"] = "workingdirectory",
            ["nop"] = "noprofile",
            ["noni"] = "noninteractive",
            ["nol"] = "nologo",
            ["noe"] = "noexit",
            ["v"] = "version",
            ["f"] = "file",
            ["c"] = "command",
            ["w"] = "windowstyle",
            ["e"] = "encodedcommand",
        };

        private static readonly string[] s_windowStyles = { "hidden", "normal", "minimized", "maximized" };
        private static readonly string[] s_executionPolicies = { "bypass", "unrestricted", "remotesigned", "allsigned", "restricted", "default", "undefined" };

        /// <summary>
        /// Normalizes a command line; null for null. <paramref name="image"/> (the process's image, when known)
        /// tells PowerShell apart even when the command line names it by a quoted path with spaces;
        /// <paramref name="windows"/> turns <c>/x</c> options into <c>-x</c> (on Linux a leading slash is a path).
        /// </summary>
        public static string? Normalize(string? commandLine, string? image = null, bool windows = true)
        {
            if (commandLine is null)
            {
                return null;
            }

            string text = commandLine.Length > MaxLength ? commandLine.Substring(0, MaxLength) : commandLine;
            text = Clean(text);
            List<string> tokens = Split(text);
            if (tokens.Count == 0)
            {
                return string.Empty;
            }

            bool powerShell = IsPowerShell(tokens[0]) || (image is not null && IsPowerShell(image));
            var output = new StringBuilder(text.Length);
            for (int i = 0; i < tokens.Count; i++)
            {
                string token = tokens[i];
                string lower = i == 0 ? token.ToLowerInvariant() : Option(token.ToLowerInvariant(), windows);
                if (powerShell && i > 0 && lower.Length > 1 && lower[0] == '-')
                {
                    string parameter = PowerShellParameter(lower, out string suffix);
                    lower = parameter + suffix;

                    // What follows -Command or -File is the script and its arguments, not PowerShell's parameters.
                    powerShell = parameter != "-command" && parameter != "-file" && parameter != "-commandwithargs";
                    if (suffix.Length == 0 && i + 1 < tokens.Count)
                    {
                        string? value = parameter switch
                        {
                            "-encodedcommand" => Decode(tokens[i + 1]),
                            "-windowstyle" => WindowStyle(tokens[i + 1].ToLowerInvariant()),
                            "-executionpolicy" => Prefixed(tokens[i + 1].ToLowerInvariant(), s_executionPolicies),
                            _ => null,
                        };
                        if (value is not null)
                        {
                            Append(output, lower);
                            Append(output, value);
                            i++;
                            continue;
                        }
                    }
                }

                Append(output, lower);
            }

            return output.ToString();
        }

        private static void Append(StringBuilder output, string token)
        {
            if (token.Length == 0)
            {
                return;
            }

            if (output.Length > 0)
            {
                output.Append(' ');
            }

            output.Append(token);
        }

        // Carets, quotes, PowerShell concatenations, backticks and the well-known variables; case is kept
        // here because an encoded command's base64 is case-sensitive.
        private static string Clean(string text)
        {
            var b = new StringBuilder(text.Length);
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                switch (c)
                {
                    case '^':
                        // cmd's escape: ^x is x, ^^ is a caret.
                        if (i + 1 < text.Length && text[i + 1] == '^')
                        {
                            b.Append('^');
                            i++;
                        }

                        continue;
                    case '`':
                        continue;
                    case '\'':
                    case '"':
                        // 'Down'+'loadString' and "Down" + "loadString" are one word.
                        int j = i + 1;
                        while (j < text.Length && text[j] == ' ')
                        {
                            j++;
                        }

                        if (j < text.Length && text[j] == '+')
                        {
                            int k = j + 1;
                            while (k < text.Length && text[k] == ' ')
                            {
                                k++;
                            }

                            if (k < text.Length && (text[k] == '\'' || text[k] == '"'))
                            {
                                i = k;
                                continue;
                            }
                        }

                        if (c == '"')
                        {
                            continue;
                        }

                        b.Append(c);
                        continue;
                    case '%':
                        if (TryVariable(text, i + 1, '%', out string? value, out int end))
                        {
                            b.Append(value);
                            i = end;
                            continue;
                        }

                        break;
                    case '$':
                        if (i + 5 < text.Length && string.Compare(text, i + 1, "env:", 0, 4, StringComparison.OrdinalIgnoreCase) == 0
                            && TryVariable(text, i + 5, '\0', out string? envValue, out int envEnd))
                        {
                            b.Append(envValue);
                            i = envEnd;
                            continue;
                        }

                        break;
                }

                b.Append(char.IsWhiteSpace(c) ? ' ' : c);
            }

            return b.ToString();
        }

        // A known variable name at start, closed by terminator ('\0': ends at the first character that cannot
        // continue a name); end is the index of its last character.
        private static bool TryVariable(string text, int start, char terminator, out string? value, out int end)
        {
            foreach (KeyValuePair<string, string> variable in s_variables)
            {
                string name = variable.Key;
                if (start + name.Length > text.Length || string.Compare(text, start, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) != 0)
                {
                    continue;
                }

                int after = start + name.Length;
                if (terminator != '\0')
                {
                    if (after < text.Length && text[after] == terminator)
                    {
                        value = variable.Value;
                        end = after;
                        return true;
                    }
                }
                else if (after >= text.Length || !(char.IsLetterOrDigit(text[after]) || text[after] == '_'))
                {
                    value = variable.Value;
                    end = after - 1;
                    return true;
                }
            }

            value = null;
            end = start;
            return false;
        }

        private static List<string> Split(string text)
        {
            var tokens = new List<string>();
            int i = 0;
            while (i < text.Length)
            {
                while (i < text.Length && text[i] == ' ')
                {
                    i++;
                }

                int start = i;
                while (i < text.Length && text[i] != ' ')
                {
                    i++;
                }

                if (i > start)
                {
                    tokens.Add(text.Substring(start, i - start));
                }
            }

            return tokens;
        }

        // -x, /x and Unicode dashes before an option all become -x.
        private static string Option(string token, bool windows)
        {
            char first = token[0];
            if (IsDash(first))
            {
                return first == '-' ? token : "-" + token.Substring(1);
            }

            if (windows && first == '/' && token.Length > 1 && (char.IsLetter(token[1]) || token[1] == '?'))
            {
                // Only what reads as an option: /c, /i:http://x, /format:"x" — never a path like /a/b or /a\b.
                int name = 1;
                while (name < token.Length && token[name] != ':' && token[name] != '=')
                {
                    if (token[name] == '/' || token[name] == '\\')
                    {
                        return token;
                    }

                    name++;
                }

                return "-" + token.Substring(1);
            }

            return token;
        }

        private static bool IsDash(char c) => c == '-' || (c >= '\u2010' && c <= '\u2015') || c == '\u2212';

        private static bool IsPowerShell(string program)
        {
            string name = program;
            int slash = Math.Max(name.LastIndexOf('\\'), name.LastIndexOf('/'));
            if (slash >= 0)
            {
                name = name.Substring(slash + 1);
            }

            name = name.ToLowerInvariant();
            if (name.EndsWith(".exe", StringComparison.Ordinal))
            {
                name = name.Substring(0, name.Length - 4);
            }

            return name == "powershell" || name == "pwsh" || name == "powershell_ise";
        }

        private static string PowerShellParameter(string token, out string suffix)
        {
            int colon = token.IndexOf(':');
            string name = colon > 0 ? token.Substring(1, colon - 1) : token.Substring(1);
            suffix = colon > 0 ? token.Substring(colon) : string.Empty;
            if (name.Length == 0)
            {
                return token.Substring(0, colon > 0 ? colon : token.Length);
            }

            if (s_powerShellAliases.TryGetValue(name, out string? alias))
            {
                return "-" + alias;
            }

            string? full = Prefixed(name, s_powerShellParameters);
            return "-" + (full ?? name);
        }

        private static string? Prefixed(string value, string[] names)
        {
            foreach (string name in names)
            {
                if (name.StartsWith(value, StringComparison.Ordinal))
                {
                    return name;
                }
            }

            return null;
        }

        private static string? WindowStyle(string value) => value switch
        {
            "0" => "normal",
            "1" => "hidden",
            "2" => "minimized",
            "3" => "maximized",
            "m" => null,
            _ => Prefixed(value, s_windowStyles),
        };

        // The script of -EncodedCommand: base64 of UTF-16LE text. Null when it is not that, so the token stays.
        private static string? Decode(string token)
        {
            if (token.Length < 4 || token.Length % 4 != 0)
            {
                return null;
            }

            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(token);
            }
            catch (FormatException)
            {
                return null;
            }

            if (bytes.Length < 2 || bytes.Length % 2 != 0)
            {
                return null;
            }

            string script = Encoding.Unicode.GetString(bytes);
            foreach (char c in script)
            {
                if (char.IsControl(c) && c != '\r' && c != '\n' && c != '\t')
                {
                    return null;
                }
            }

            string cleaned = Clean(script);
            var output = new StringBuilder(cleaned.Length);
            foreach (string part in Split(cleaned))
            {
                Append(output, part.ToLowerInvariant());
            }

            return output.Length == 0 ? null : output.ToString();
        }
    }
}
