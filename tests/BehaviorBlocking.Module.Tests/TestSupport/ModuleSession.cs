using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using BehaviorBlocking.Store;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace BehaviorBlocking.Module.Tests.TestSupport
{
    /// <summary>
    /// A PowerShell runspace in this process with BehaviorBlocking imported through its manifest (copied beside the
    /// tests with the format file), and a product folder of its own (BEHAVIORBLOCKING_HOME) that is deleted with it.
    /// Tests in this assembly run one at a time: the product folder is a process-wide environment variable.
    /// </summary>
    public sealed class ModuleSession : IDisposable
    {
        private readonly Runspace _runspace;
        private readonly string? _previousHome;

        /// <summary>Opens a runspace with the module imported and a fresh product folder.</summary>
        public ModuleSession()
        {
            Home = Path.Combine(Path.GetTempPath(), "bb-module-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Home);
            _previousHome = Environment.GetEnvironmentVariable(ProductHome.EnvironmentVariable);
            Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, Home);
            InitialSessionState state = InitialSessionState.CreateDefault2();
            state.ImportPSModule(new[] { ManifestPath });
            _runspace = RunspaceFactory.CreateRunspace(state);
            _runspace.Open();
        }

        /// <summary>The module manifest beside the tests.</summary>
        public static string ManifestPath => Path.Combine(AppContext.BaseDirectory, "BehaviorBlocking.psd1");

        /// <summary>The shipped sample recording (tests/data/samples).</summary>
        public static string SamplesPath => Path.Combine(AppContext.BaseDirectory, "data", "samples");

        /// <summary>This session's product folder.</summary>
        public string Home { get; }

        /// <summary>The non-terminating errors of the last <see cref="Invoke"/>.</summary>
        public IReadOnlyList<ErrorRecord> Errors { get; private set; } = Array.Empty<ErrorRecord>();

        /// <summary>The warnings of the last <see cref="Invoke"/>.</summary>
        public IReadOnlyList<string> Warnings { get; private set; } = Array.Empty<string>();

        /// <summary>
        /// Runs <paramref name="script"/> with <paramref name="variables"/> set, and returns its output; non-terminating
        /// errors land in <see cref="Errors"/>, a terminating error is thrown as <see cref="RuntimeException"/>.
        /// </summary>
        public Collection<PSObject> Invoke(string script, params (string Name, object? Value)[] variables)
        {
            using PowerShell shell = PowerShell.Create();
            shell.Runspace = _runspace;
            foreach ((string name, object? value) in variables)
            {
                _runspace.SessionStateProxy.SetVariable(name, value);
            }

            shell.AddScript(script);
            try
            {
                return shell.Invoke();
            }
            finally
            {
                Errors = shell.Streams.Error.ToList();
                Warnings = shell.Streams.Warning.Select(w => w.Message).ToList();
            }
        }

        /// <summary>Runs <paramref name="script"/> and returns the base objects of its output, cast to <typeparamref name="T"/>.</summary>
        public List<T> Invoke<T>(string script, params (string Name, object? Value)[] variables) =>
            Invoke(script, variables).Select(o => (T)o.BaseObject).ToList();

        /// <summary>
        /// Runs <paramref name="script"/> (one command: a cmdlet's terminating error ends it) and returns the error record
        /// of the terminating error it must end with.
        /// </summary>
        public ErrorRecord Fails(string script, params (string Name, object? Value)[] variables)
        {
            var ex = Assert.ThrowsAny<RuntimeException>(() => Invoke(script, variables));
            return ex.ErrorRecord;
        }

        /// <inheritdoc />
        public void Dispose()
        {
            _runspace.Dispose();
            Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, _previousHome);
            // The product folder, and the folder beside it for files a test acts on (outside the product's protection).
            foreach (string folder in new[] { Home, Home + "-files" })
            {
                try
                {
                    if (Directory.Exists(folder))
                    {
                        Directory.Delete(folder, recursive: true);
                    }
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
    }
}
