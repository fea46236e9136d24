using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;

namespace BehaviorBlocking.Fuzz
{
    /// <summary>
    /// Fuzz driver. <c>fuzz TARGET</c> serves afl-fuzz (SharpFuzz, instrumented Core);
    /// <c>TARGET PATH...</c> runs files or folders of inputs in-process and says which crash
    /// (to reproduce a finding); <c>seeds</c>, <c>dictionaries</c> and <c>list</c> serve fuzz.sh beside this project.
    /// </summary>
    internal static class Program
    {
        private const int ExitOk = 0;
        private const int ExitFound = 1;
        private const int ExitUsage = 2;

        /// <summary>The afl coverage map SharpFuzz writes (64 KiB, afl's default).</summary>
        private const int CoverageMapBytes = 1 << 16;

        private static int Main(string[] args)
        {
            try
            {
                return Run(args);
            }
            catch (UnknownTargetException ex)
            {
                Console.Error.WriteLine("fuzz: " + ex.Message);
                return ExitUsage;
            }
            finally
            {
                WorkFiles.Clean();
            }
        }

        private static int Run(string[] args)
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                Usage(Console.Out);
                return args.Length == 0 ? ExitUsage : ExitOk;
            }

            switch (args[0])
            {
                case "list":
                    foreach (FuzzTarget t in FuzzTargets.All)
                    {
                        Console.WriteLine(t.Name + "\t" + t.Summary);
                    }

                    return ExitOk;
                case "fuzz" when args.Length == 2:
                    return Fuzz(RequireTarget(args[1]));
                case "seeds" when args.Length == 3:
                    return WriteSeeds(RequireTarget(args[1]), args[2]);
                case "dictionaries" when args.Length == 2:
                    FixtureRoot root = FixtureRoot.Locate();
                    foreach (string name in RequireTarget(args[1]).Dictionaries)
                    {
                        Console.WriteLine(root.Dictionary(name));
                    }

                    return ExitOk;
            }

            FuzzTarget? target = FuzzTargets.Find(args[0]);
            if (target is null || args.Length < 2)
            {
                Console.Error.WriteLine(target is null ? $"fuzz: unknown target or command '{args[0]}'" : "fuzz: name the input files or folders to run");
                Usage(Console.Error);
                return ExitUsage;
            }

            var timeout = TimeSpan.FromSeconds(10);
            var paths = new List<string>();
            for (int i = 1; i < args.Length; i++)
            {
                if (args[i] == "--timeout-ms" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int ms) && ms > 0)
                {
                    timeout = TimeSpan.FromMilliseconds(ms);
                    i++;
                }
                else
                {
                    paths.Add(args[i]);
                }
            }

            return Replay(target, paths, timeout);
        }

        private static FuzzTarget RequireTarget(string name) =>
            FuzzTargets.Find(name) ?? throw new UnknownTargetException($"unknown fuzz target '{name}'; targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");

        /// <summary>Under afl-fuzz: one input a run from the fork server; a crash is what escapes.</summary>
        private static int Fuzz(FuzzTarget target)
        {
            bool warm = false;
            SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
            {
                if (!warm)
                {
                    // Each new child (afl restarts it after a crash or hang) first sets up what every run
                    // shares (lazy state, JIT), then forgets that coverage: afl sees the same paths each time.
                    warm = true;
                    FuzzRunner.Execute(target, Array.Empty<byte>(), Timeout.InfiniteTimeSpan);
                    ClearCoverage();
                }

                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                FuzzRunner.ExecuteOrThrow(target, buffer.ToArray());
            });
            return ExitOk;
        }

        private static unsafe void ClearCoverage()
        {
            byte* map = SharpFuzz.Common.Trace.SharedMem;
            if (map != null)
            {
                new Span<byte>(map, CoverageMapBytes).Clear();
            }

            SharpFuzz.Common.Trace.PrevLocation = 0;
        }

        private static int WriteSeeds(FuzzTarget target, string directory)
        {
            Directory.CreateDirectory(directory);
            int count = 0;
            foreach (FuzzSeed seed in target.Seeds(FixtureRoot.Locate()))
            {
                if (seed.Content.Length > SeedCorpus.MaxSeedBytes)
                {
                    Console.Error.WriteLine($"fuzz: seed {seed.Name} of {target.Name} is {seed.Content.Length} bytes, over {SeedCorpus.MaxSeedBytes}; skipped");
                    continue;
                }

                File.WriteAllBytes(Path.Combine(directory, seed.Name), seed.Content);
                count++;
            }

            Console.WriteLine($"{count} seeds for {target.Name} in {directory}");
            return count > 0 ? ExitOk : ExitFound;
        }

        /// <summary>Runs every file (folders recursively, in ordinal order) through the target; prints one line each.</summary>
        private static int Replay(FuzzTarget target, List<string> paths, TimeSpan timeout)
        {
            var files = new List<string>();
            foreach (string path in paths)
            {
                if (Directory.Exists(path))
                {
                    var found = Directory.GetFiles(path, "*", SearchOption.AllDirectories)
                        .Where(f => !Path.GetFileName(f).StartsWith(".", StringComparison.Ordinal) && !f.EndsWith(".md", StringComparison.Ordinal)).ToList();
                    found.Sort(StringComparer.Ordinal);
                    files.AddRange(found);
                }
                else if (File.Exists(path))
                {
                    files.Add(path);
                }
                else
                {
                    Console.Error.WriteLine($"fuzz: no such file or folder: {path}");
                    return ExitUsage;
                }
            }

            int failed = 0;
            foreach (string file in files)
            {
                FuzzOutcome outcome = FuzzRunner.Execute(target, File.ReadAllBytes(file), timeout);
                string status = outcome.Verdict switch
                {
                    FuzzVerdict.Passed => "PASS",
                    FuzzVerdict.Hung => "HANG",
                    _ => "CRASH",
                };
                Console.WriteLine(outcome.Verdict == FuzzVerdict.Passed ? $"{status} {file}" : $"{status} {file}: {outcome.Describe()}");
                if (outcome.Verdict != FuzzVerdict.Passed)
                {
                    failed++;
                    if (outcome.Verdict == FuzzVerdict.Hung)
                    {
                        // The hung run keeps its thread and maybe its work files: stop here rather than run beside it.
                        Console.WriteLine($"{target.Name}: {files.Count} inputs, stopped at the hang");
                        return ExitFound;
                    }
                }
            }

            Console.WriteLine($"{target.Name}: {files.Count} inputs, {files.Count - failed} passed, {failed} failed");
            return failed == 0 ? ExitOk : ExitFound;
        }

        private static void Usage(TextWriter to)
        {
            to.WriteLine("usage: BehaviorBlocking.Fuzz TARGET PATH... [--timeout-ms N]   run inputs in-process, one line each (exit 1 if any crashes or hangs)");
            to.WriteLine("       BehaviorBlocking.Fuzz fuzz TARGET                         serve afl-fuzz (see tests/BehaviorBlocking.Fuzz/fuzz.sh)");
            to.WriteLine("       BehaviorBlocking.Fuzz seeds TARGET DIR                    write the seed corpus derived from the fixtures");
            to.WriteLine("       BehaviorBlocking.Fuzz dictionaries TARGET                 print the target's afl dictionary files");
            to.WriteLine("       BehaviorBlocking.Fuzz list                                print the targets");
            to.WriteLine("targets: " + string.Join(", ", FuzzTargets.All.Select(t => t.Name)));
        }
    }

    /// <summary>A command named a target that is not in <see cref="FuzzTargets.All"/>.</summary>
    internal sealed class UnknownTargetException : Exception
    {
        public UnknownTargetException(string message)
            : base(message)
        {
        }
    }
}
