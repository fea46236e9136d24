using System;
using System.IO;

namespace BehaviorBlocking.Fuzz
{
    /// <summary>The repository the fuzz targets take their seeds, fixed events and dictionaries from.</summary>
    internal sealed class FixtureRoot
    {
        public FixtureRoot(string path)
        {
            Path = System.IO.Path.GetFullPath(path);
        }

        /// <summary>The repository root (the folder of BehaviorBlocking.sln).</summary>
        public string Path { get; }

        /// <summary>Recorded samples: tests/data/samples.</summary>
        public string Samples => Combine("tests", "data", "samples");

        /// <summary>Per-rule match and benign fixtures: tests/data/rules.</summary>
        public string RuleFixtures => Combine("tests", "data", "rules");

        /// <summary>Example policy documents: tests/data/policy.</summary>
        public string Policies => Combine("tests", "data", "policy");

        /// <summary>The built-in rule pack: module/rules.</summary>
        public string RulePack => Combine("module", "rules");

        /// <summary>Hand-written seeds for what no fixture shows (tests/fuzz/seeds/TARGET).</summary>
        public string ExtraSeeds(string target) => Combine("tests", "fuzz", "seeds", target);

        /// <summary>Found inputs kept as regression tests (tests/fuzz/regressions/TARGET).</summary>
        public string Regressions(string target) => Combine("tests", "fuzz", "regressions", target);

        /// <summary>An afl dictionary: tests/fuzz/dictionaries/NAME.dict.</summary>
        public string Dictionary(string name) => Combine("tests", "fuzz", "dictionaries", name + ".dict");

        /// <summary>
        /// Finds the repository upwards from the working directory, then from the program's folder
        /// (the build and publish outputs live under out/ inside it).
        /// </summary>
        public static FixtureRoot Locate()
        {
            foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            {
                string? dir = System.IO.Path.GetFullPath(start);
                while (dir is not null)
                {
                    if (File.Exists(System.IO.Path.Combine(dir, "BehaviorBlocking.sln")))
                    {
                        return new FixtureRoot(dir);
                    }

                    dir = System.IO.Path.GetDirectoryName(dir);
                }
            }

            throw new InvalidOperationException(
                "BehaviorBlocking.sln was not found above " + Environment.CurrentDirectory + " or " + AppContext.BaseDirectory +
                ": the fuzz targets read their seeds and fixed events from the repository.");
        }

        private string Combine(params string[] parts) => System.IO.Path.Combine(Path, System.IO.Path.Combine(parts));
    }
}
