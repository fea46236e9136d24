using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Cli
{
    /// <summary>Entry point of <c>behaviorblock</c>.</summary>
    public static class Program
    {
        /// <summary>Exit code: the command completed (with or without detections).</summary>
        public const int ExitOk = 0;

        /// <summary>Exit code: no input could be read, or the store could not be opened.</summary>
        public const int ExitNoInput = 1;

        /// <summary>Exit code: the command line was not understood.</summary>
        public const int ExitUsage = 2;

        /// <summary>Where the built-in rule pack sits: <c>rules/</c> beside the engine's assembly.</summary>
        internal static string BuiltInRulesDirectory => Engine.EngineLocations.BuiltInRulesDirectory;

        /// <summary>Runs the command line against the real console.</summary>
        public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

        /// <summary>Runs the command line with the given output writers (stdout carries only results).</summary>
        public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, Array.Empty<IDetector>);

        /// <summary>Runs the command line with detectors added to the rule detector (tests use it to drive the record path).</summary>
        internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<IReadOnlyList<IDetector>> extraDetectors)
        {
            var console = new CliConsole(stdout, stderr, extraDetectors);
            RootCommand root = new RootCommand("behaviorblock: behavioral detection and blocking over live or recorded telemetry.")
            {
                ScanCommand.Create(console),
                DetectionsCommand.Create(console),
                BenchCommand.Create(console),
                RulesCommand.Create(console),
                EvaluateCommand.Create(console),
                FeaturesCommand.Create(console),
                ModelCommand.Create(console),
            };

            ParseResult parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                foreach (System.CommandLine.Parsing.ParseError error in parsed.Errors)
                {
                    stderr.WriteLine("behaviorblock: " + error.Message);
                }

                stderr.WriteLine("Run 'behaviorblock --help' for usage.");
                return ExitUsage;
            }

            try
            {
                return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
            }
            catch (UsageException ex)
            {
                stderr.WriteLine("behaviorblock: " + ex.Message);
                return ExitUsage;
            }
        }
    }

    /// <summary>What a run works with: results on stdout, diagnostics on stderr, and detectors added to the rules.</summary>
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
