using System;
using System.IO;
using System.Management.Automation;
using BehaviorBlocking.Engine.Service;
using BehaviorBlocking.Module.Tests.TestSupport;

namespace BehaviorBlocking.Module.Tests.Commands
{
    // Installing for real would change this machine's services: these tests read the status, look with -WhatIf and
    // check the refusals; the systemd installer itself is tested in the Core tests against a real systemd.
    public sealed class ServiceCommandTests
    {
        [Fact]
        public void GetBehaviorService_UnitFolderWithoutTheUnit_ReportsNotInstalled()
        {
            using var session = new ModuleSession();
            string units = Path.Combine(session.Home, "units");
            Directory.CreateDirectory(units);
            ServiceStatus status = Assert.Single(session.Invoke<ServiceStatus>("Get-BehaviorService -UnitDirectory $u", ("u", units)));
            Assert.Equal(ServiceDefinition.DefaultName, status.Name);
            Assert.False(status.Installed);
            Assert.False(status.IsRunning);
        }

        [Fact]
        public void InstallBehaviorService_WhatIf_WritesNoUnitAndNamesWhatItWouldRun()
        {
            using var session = new ModuleSession();
            string units = Path.Combine(session.Home, "units");
            Directory.CreateDirectory(units);
            string program = Path.Combine(session.Home + "-files", "behaviorblock");
            Directory.CreateDirectory(Path.GetDirectoryName(program)!);
            File.WriteAllText(program, "#!/bin/sh\n");
            session.Invoke("Install-BehaviorService -Mode Block -ExecutablePath $p -UnitDirectory $u -WhatIf", ("p", program), ("u", units));
            Assert.Empty(session.Errors);
            Assert.Empty(Directory.GetFiles(units));
        }

        [Fact]
        public void InstallBehaviorService_NoProgramOnPath_IsServiceExecutableNotFound()
        {
            using var session = new ModuleSession();
            session.Invoke("$env:PATH = $empty; try { Install-BehaviorService -WhatIf } finally { $env:PATH = $saved }",
                ("empty", session.Home), ("saved", Environment.GetEnvironmentVariable("PATH")));
            ErrorRecord error = Assert.Single(session.Errors);
            Assert.Equal("ServiceExecutableNotFound,BehaviorBlocking.Commands.InstallBehaviorServiceCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        }

        [Fact]
        public void UninstallBehaviorService_WhatIf_ChangesNothing()
        {
            using var session = new ModuleSession();
            string units = Path.Combine(session.Home, "units");
            Directory.CreateDirectory(units);
            File.WriteAllText(Path.Combine(units, "behaviorblock.service"), "[Unit]\nDescription=x\n");
            session.Invoke("Uninstall-BehaviorService -UnitDirectory $u -WhatIf", ("u", units));
            Assert.True(File.Exists(Path.Combine(units, "behaviorblock.service")));
        }
    }
}
