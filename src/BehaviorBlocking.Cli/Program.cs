using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.IO;
using System.Text.RegularExpressions;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Cli
{
    /// <summary>Entry point of <c>behaviorblock</c>.</summary>
    public static class Program
    {
        /// <summary>Exit code: the command completed (with or without detections).</summary>
        public const int ExitOk = 0;

        /// <summary>Exit code: no input could be read (one of the failures that exit with <see cref="ExitFailed"/>).</summary>
        public const int ExitNoInput = 1;

        /// <summary>Exit code: the command failed: no input, a store that could not be opened or written, a file error, an internal error.</summary>
        public const int ExitFailed = 1;

        /// <summary>Exit code: the command line was not understood.</summary>
        public const int ExitUsage = 2;

        private static readonly Regex s_cannotParse = new Regex(
            @"^Cannot parse argument '(?<value>.*)' for option '(?<name>[^']+)' as expected type '[^']+'\.", RegexOptions.CultureInvariant | RegexOptions.Singleline);

        private static readonly Regex s_negativeNumber = new Regex(@"^-[0-9]", RegexOptions.CultureInvariant);

        /// <summary>Where the built-in rule pack sits: <c>rules/</c> beside the engine's assembly.</summary>
        internal static string BuiltInRulesDirectory => Engine.EngineLocations.BuiltInRulesDirectory;

        /// <summary>Runs the command line against the real console.</summary>
        public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

        /// <summary>Runs the command line with the given output writers (stdout carries only results).</summary>
        public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, Array.Empty<IDetector>);

        /// <summary>
        /// Runs the command line with detectors added to the rule detector (tests use it to drive the record path).
        /// Every way a command can end is mapped here, once: usage errors exit 2, the engine's errors and file
        /// errors exit 1 with one line naming the error id, and anything unexpected exits 1 with one line too.
        /// Everything is written through <see cref="TerminalWriter"/>.
        /// </summary>
        internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<IReadOnlyList<IDetector>> extraDetectors) =>
            Run(args, stdout, stderr, extraDetectors, null);

        /// <summary>Runs the command line with detectors added and, for <c>block</c>, the response components to act through (tests pass their own).</summary>
        internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<IReadOnlyList<IDetector>> extraDetectors,
            Func<string, Response.ResponseComponents>? responseComponents) => Run(args, stdout, stderr, extraDetectors, responseComponents, null);

        /// <summary>Runs the command line with, for <c>monitor</c>, the live sources to run in place of this machine's sensors (tests pass their own).</summary>
        internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<IReadOnlyList<IDetector>> extraDetectors,
            Func<string, Response.ResponseComponents>? responseComponents, Func<Engine.MonitorSourceContext, IReadOnlyList<Pipeline.IEventSource>>? liveSources)
        {
            var console = new CliConsole(new TerminalWriter(stdout), new TerminalWriter(stderr), extraDetectors)
            {
                ResponseComponents = responseComponents,
                LiveSources = liveSources,
            };
            return Run(args, console);
        }

        /// <summary>Runs the command line with a console the caller built (tests set its service-manager seams).</summary>
        internal static int Run(string[] args, CliConsole console)
        {
            try
            {
                RootCommand root = new RootCommand("behaviorblock: behavioral detection and blocking over live or recorded telemetry.")
                {
                    ScanCommand.Create(console),
                    DetectionsCommand.Create(console),
                    BenchCommand.Create(console),
                    RulesCommand.Create(console),
                    EvaluateCommand.Create(console),
                    FeaturesCommand.Create(console),
                    ModelCommand.Create(console),
                    PolicyCommand.Create(console),
                    QuarantineCommand.Create(console),
                    IndicatorCommand.Create(console),
                    RemediationCommand.Create(console),
                    BlockCommand.Create(console),
                    ServiceCommand.Create(console),
                    MonitorCommand.Create(console),
                };

                ParseResult parsed = root.Parse(args);
                var errors = new List<string>();
                foreach (ParseError error in parsed.Errors)
                {
                    errors.Add(Describe(error));
                }

                errors.AddRange(UnknownOptions(parsed));
                if (errors.Count > 0)
                {
                    foreach (string error in errors)
                    {
                        console.Error.WriteLine("behaviorblock: " + error);
                    }

                    console.Error.WriteLine("Run 'behaviorblock --help' for usage.");
                    return ExitUsage;
                }

                return parsed.Invoke(new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false });
            }
            catch (UsageException ex)
            {
                console.Error.WriteLine("behaviorblock: " + ex.Message);
                return ExitUsage;
            }
            catch (BehaviorBlockingException ex)
            {
                console.Fail(ex);
                return ExitFailed;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                console.Error.WriteLine("behaviorblock: " + ex.Message);
                return ExitFailed;
            }
            catch (Exception ex)
            {
                // A bug, not a condition the product knows: one line, never a stack trace on a user's terminal.
                console.Error.WriteLine($"behaviorblock: internal error ({ex.GetType().FullName}): {ex.Message}");
                return ExitFailed;
            }
            finally
            {
                console.Out.Flush();
                console.Error.Flush();
            }
        }

        /// <summary>
        /// Words that look like options but are none of the command's. The parser takes such a word for a
        /// path or for the value of the option before it; here it is a usage error for every command.
        /// '-' alone is a path (standard input), and so is every word after '--'; a negative number given to
        /// an option is left to that option's own range check.
        /// </summary>
        /// <summary>
        /// A parse error as one line naming the option and what it takes (<c>--format: 'xml' is not one of table, jsonl.</c>)
        /// instead of the parser's own text, which names .NET types and lists values on several lines.
        /// </summary>
        internal static string Describe(ParseError error)
        {
            Match match = s_cannotParse.Match(error.Message);
            if (!match.Success || error.SymbolResult is not OptionResult option)
            {
                return error.Message;
            }

            string name = match.Groups["name"].Value;
            string value = match.Groups["value"].Value;
            Type type = Nullable.GetUnderlyingType(option.Option.ValueType) ?? option.Option.ValueType;
            string? helpName = option.Option.HelpName;
            if (helpName is not null && helpName.Contains('|', StringComparison.Ordinal))
            {
                return $"{name}: '{value}' is not one of {helpName.Replace("|", ", ", StringComparison.Ordinal)}.";
            }

            if (type.IsEnum)
            {
                return $"{name}: '{value}' is not one of {string.Join(", ", Enum.GetNames(type)).ToLowerInvariant()}.";
            }

            if (type == typeof(int) || type == typeof(long))
            {
                return $"{name}: '{value}' is not a whole number.";
            }

            return $"{name}: '{value}' is not a valid value.";
        }

        internal static IEnumerable<string> UnknownOptions(ParseResult parsed)
        {
            var optionValues = new Dictionary<Token, string>(ReferenceEqualityComparer.Instance);
            foreach (SymbolResult child in parsed.CommandResult.Children)
            {
                if (child is OptionResult option)
                {
                    foreach (Token token in option.Tokens)
                    {
                        optionValues[token] = option.Option.Name;
                    }
                }
            }

            foreach (Token token in parsed.Tokens)
            {
                if (token.Type == TokenType.DoubleDash)
                {
                    yield break;
                }

                if (token.Type != TokenType.Argument || token.Value.Length < 2 || token.Value[0] != '-')
                {
                    continue;
                }

                if (!optionValues.TryGetValue(token, out string? optionName))
                {
                    yield return $"unknown option '{token.Value}' for '{parsed.CommandResult.Command.Name}' (a path that starts with '-' can be written ./{token.Value}, or after --).";
                }
                else if (!s_negativeNumber.IsMatch(token.Value))
                {
                    yield return $"{optionName} needs a value, not the option-like '{token.Value}'.";
                }
            }
        }
    }

    /// <summary>What a run works with: results on stdout, diagnostics on stderr (both escaped for a terminal), and detectors added to the rules.</summary>
    internal sealed class CliConsole
    {
        public CliConsole(TextWriter output, TextWriter error, Func<IReadOnlyList<IDetector>> extraDetectors)
        {
            Out = output;
            Error = error;
            ExtraDetectors = extraDetectors;
        }

        public TextWriter Out { get; }

        public Func<IReadOnlyList<IDetector>> ExtraDetectors { get; }

        public TextWriter Error { get; }

        /// <summary>
        /// The guard rails quarantine add and restore ask before touching a file: this machine's
        /// <see cref="Response.GuardRails"/> (system files, the product's own folder, critical executables),
        /// on top of the vault's own checks (no links, no files inside the quarantine folder).
        /// </summary>
        public Func<Response.IGuardRails?> GuardRails { get; init; } = () => new Response.GuardRails();

        /// <summary>The response components <c>block</c> acts through, from the store path; null takes <see cref="Response.ResponseComponents.ForThisMachine"/>.</summary>
        public Func<string, Response.ResponseComponents>? ResponseComponents { get; init; }

        /// <summary>The service manager <c>service</c> talks to; null takes the real systemctl (tests record the calls instead).</summary>
        public Func<Engine.Service.IServiceManagerCommands>? ServiceManager { get; init; }

        /// <summary>Whether this process may install a system service (root on Linux); tests answer for an unprivileged user.</summary>
        public Func<bool> IsElevated { get; init; } = () => Engine.Service.SystemdServiceInstaller.RunningAsRoot;
        /// <summary>The live sources <c>monitor</c> runs; null takes <see cref="Engine.LiveSensors.Create"/> (this machine's sensors).</summary>
        public Func<Engine.MonitorSourceContext, IReadOnlyList<Pipeline.IEventSource>>? LiveSources { get; init; }

        public void Fail(BehaviorBlockingException ex) => Error.WriteLine($"behaviorblock: {ex.ErrorId}: {ex.Message}");
    }

    /// <summary>A command-line value that parsed but makes no sense (exit code 2).</summary>
    internal sealed class UsageException : Exception
    {
        public UsageException(string message)
            : base(message)
        {
        }
    }
}
