using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Fuzz
{
    /// <summary>
    /// One fuzz target: a name, the code under test fed with one input, where its seed corpus comes
    /// from and which afl dictionaries (tests/fuzz/dictionaries/NAME.dict) help it.
    /// </summary>
    internal sealed class FuzzTarget
    {
        public FuzzTarget(string name, string summary, Action<byte[]> run, Func<FixtureRoot, IEnumerable<FuzzSeed>> seeds, params string[] dictionaries)
        {
            Name = name;
            Summary = summary;
            Run = run;
            Seeds = seeds;
            Dictionaries = dictionaries;
        }

        /// <summary>Command-line name, also the folder name under tests/fuzz/regressions and out/fuzz.</summary>
        public string Name { get; }

        /// <summary>What it feeds and what it checks, in one line.</summary>
        public string Summary { get; }

        /// <summary>
        /// Runs one input. Returns normally when the code under test accepted it or refused it the
        /// documented way (a counted problem, a counted skip); throws when an undocumented exception
        /// escaped or an invariant was broken (<see cref="FuzzInvariantException"/>).
        /// </summary>
        public Action<byte[]> Run { get; }

        /// <summary>The seed corpus, derived from the repository's own fixtures.</summary>
        public Func<FixtureRoot, IEnumerable<FuzzSeed>> Seeds { get; }

        /// <summary>Dictionary names (files tests/fuzz/dictionaries/NAME.dict) handed to afl-fuzz.</summary>
        public IReadOnlyList<string> Dictionaries { get; }

        public override string ToString() => Name;
    }

    /// <summary>One seed input: a file name (unique within its target) and its bytes.</summary>
    internal sealed class FuzzSeed
    {
        public FuzzSeed(string name, byte[] content)
        {
            Name = name;
            Content = content;
        }

        public string Name { get; }

        public byte[] Content { get; }
    }

    /// <summary>An input broke a rule the code under test promises to keep (a bug, even though nothing threw).</summary>
    internal sealed class FuzzInvariantException : Exception
    {
        public FuzzInvariantException(string message)
            : base(message)
        {
        }

        /// <summary>Throws when <paramref name="condition"/> is false.</summary>
        public static void That(bool condition, string message)
        {
            if (!condition)
            {
                throw new FuzzInvariantException(message);
            }
        }
    }
}
