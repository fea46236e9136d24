#Requires -Version 7.2
<#
.SYNOPSIS
    Builds, tests, documents and packages BehaviorBlocking.
.DESCRIPTION
    Tasks run in the order given. Default: Build, Test.
      Build    dotnet build (warnings as errors) and lay out the module in out/module/BehaviorBlocking:
               cmdlet assembly, Core and dependencies, natives for the shipped RIDs, module/*, and the
               help (the Docs task).
      Test     dotnet test (output also in out/test/dotnet-test.log), then Pester over tests/pester in a
               fresh pwsh against the module installed from its Gallery package into a clean module
               folder (out/test/modules); results in out/pester-results.xml (NUnit). -PesterOnly leaves
               out dotnet test.
      Docs     cmdlet help (MAML) and about_ topics from docs/cmdlets and docs/about, into the layout's en-US.
      Package  the PowerShell Gallery .nupkg in out/repository, through Publish-PSResource to that folder.
      Publish  Publish-PSResource of the layout to -Repository with -ApiKey.
.PARAMETER PesterPath
    Pester.psd1 to run the suite with. Default: $env:BEHAVIORBLOCKING_PESTER, else the Pester package
    restored by tools/pester/Pester.Download.csproj.
.EXAMPLE
    ./build.ps1
.EXAMPLE
    ./build.ps1 Build, Package
#>
[CmdletBinding()]
param(
    # Also 'Build,Package' as one argument, as `pwsh -File build.ps1 Build,Package` passes it.
    [string[]] $Task = @('Build', 'Test'),
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    [string] $PesterPath = $env:BEHAVIORBLOCKING_PESTER,
    [switch] $PesterOnly,
    [string] $Repository = 'PSGallery',
    [string] $ApiKey
)

$ErrorActionPreference = 'Stop'
$script:failedTests = $false
$script:built = $false
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'module/BehaviorBlocking'
$version = ([xml](Get-Content (Join-Path $root 'Directory.Build.props') -Raw)).SelectSingleNode('/Project/PropertyGroup/VersionPrefix').InnerText
# The platforms the module ships natives for (the ones ONNX Runtime supports, see DESIGN).
$shippedRids = @('win-x64', 'win-arm64', 'linux-x64', 'linux-arm64', 'osx-arm64')

function Invoke-Native([string] $File, [string[]] $Arguments) {
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $root 'BehaviorBlocking.sln'), '-c', $Configuration, '-warnaserror', '-nologo', '-clp:ErrorsOnly')
    $script:built = $true
    # A fresh folder each time, so nothing from an earlier layout ships by accident.
    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/BehaviorBlocking/BehaviorBlocking.csproj'), '-c', $Configuration, '-o', $moduleOut, '-warnaserror', '-nologo', '-clp:ErrorsOnly')
    Copy-Item (Join-Path $root 'module/*') $moduleOut -Recurse -Force
    # Cmdlets run in the host's runtime; the host supplies System.Management.Automation.
    Remove-Item (Join-Path $moduleOut 'System.Management.Automation.dll') -ErrorAction SilentlyContinue
    $runtimes = Join-Path $moduleOut 'runtimes'
    if (Test-Path $runtimes) {
        Get-ChildItem $runtimes -Directory | Where-Object Name -NotIn $shippedRids | Remove-Item -Recurse -Force
    }
    Invoke-Docs
    $manifest = Test-ModuleManifest (Join-Path $moduleOut 'BehaviorBlocking.psd1')
    if ($manifest.Version.ToString() -ne $version) {
        throw "module/BehaviorBlocking.psd1 has ModuleVersion $($manifest.Version); Directory.Build.props says $version."
    }
    Write-Host "Module laid out in $moduleOut"
}

function Resolve-Pester {
    if ($PesterPath) {
        if (-not (Test-Path $PesterPath -PathType Leaf)) { throw "Pester module not found at '$PesterPath'." }
        return $PesterPath
    }
    $project = Join-Path $root 'tools/pester/Pester.Download.csproj'
    Invoke-Native dotnet @('restore', $project, '-nologo', '-v', 'q')
    $path = (& dotnet msbuild $project -getProperty:PesterModule).Trim()
    if ($LASTEXITCODE -ne 0 -or -not $path -or -not (Test-Path $path -PathType Leaf)) {
        throw "The Pester package did not restore: '$path' not found."
    }
    return $path
}

function Invoke-Test {
    $testOut = Join-Path $out 'test'
    New-Item $testOut -ItemType Directory -Force | Out-Null
    if (-not $PesterOnly) {
        # The log is what .ci/run counts; the exit code decides here.
        $log = Join-Path $testOut 'dotnet-test.log'
        [string[]] $arguments = @('test', (Join-Path $root 'BehaviorBlocking.sln'), '-c', $Configuration, '--nologo')
        if ($script:built) { $arguments += '--no-build' }
        & dotnet @arguments 2>&1 | Tee-Object -FilePath $log | Out-Host
        if ($LASTEXITCODE -ne 0) { $script:failedTests = $true; Write-Warning "dotnet test failed (exit code $LASTEXITCODE); see $log. Pester runs anyway." }
    }
    if (-not (Test-Path (Join-Path $moduleOut 'BehaviorBlocking.psd1'))) {
        throw "No module layout in ${moduleOut}: run the Build task first."
    }
    # The suite runs against the module as a user gets it: packaged, then installed from a repository.
    Invoke-Package
    $modules = Join-Path $testOut 'modules'
    if (Test-Path $modules) { Remove-Item $modules -Recurse -Force }
    New-Item $modules -ItemType Directory | Out-Null
    $name = 'BehaviorBlockingTest'
    Register-PSResourceRepository -Name $name -Uri (Join-Path $out 'repository') -Trusted -Force
    try {
        Save-PSResource -Name BehaviorBlocking -Version $version -Repository $name -Path $modules -TrustRepository -SkipDependencyCheck -Quiet
    }
    finally {
        Unregister-PSResourceRepository -Name $name
    }
    $installed = Join-Path $modules "BehaviorBlocking/$version"
    if (-not (Test-Path (Join-Path $installed 'BehaviorBlocking.psd1'))) { throw "Save-PSResource did not install BehaviorBlocking $version into $modules." }

    $pester = Resolve-Pester
    $results = Join-Path $out 'pester-results.xml'
    Remove-Item $results -ErrorAction SilentlyContinue
    $env:BEHAVIORBLOCKING_MODULE = $installed
    $env:BEHAVIORBLOCKING_LAYOUT = $moduleOut
    $env:BEHAVIORBLOCKING_PESTER_RUN = ConvertTo-Json -Compress @{
        Pester = $pester; Tests = (Join-Path $root 'tests/pester'); Results = $results
    }
    # A fresh pwsh (this one's executable): the suite sees neither this script's strict mode nor
    # anything it loaded. Pester exits with the number of failures.
    $runner = @'
$run = $env:BEHAVIORBLOCKING_PESTER_RUN | ConvertFrom-Json
Import-Module $run.Pester -Force
$config = New-PesterConfiguration
$config.Run.Path = $run.Tests
$config.Run.Exit = $true
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = $run.Results
Invoke-Pester -Configuration $config
'@
    & (Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')) -NoProfile -NonInteractive -Command $runner
    if ($LASTEXITCODE -ne 0) { throw "Pester reported failures (exit code $LASTEXITCODE); results in $results." }
    if ($script:failedTests) { throw "dotnet test failed; see $(Join-Path $testOut 'dotnet-test.log')." }
}

function Invoke-Docs {
    # PlatyPS is not reachable here: the project's help tool turns the PlatyPS markdown into MAML.
    $helpOut = Join-Path $moduleOut 'en-US'
    Invoke-Native dotnet @('run', '--project', (Join-Path $root 'tools/help/BehaviorBlocking.Help.csproj'), '-c', $Configuration, '--',
        '--cmdlets', (Join-Path $root 'docs/cmdlets'), '--about', (Join-Path $root 'docs/about'), '--out', $helpOut)
}

function Invoke-Package {
    if (-not (Test-Path (Join-Path $moduleOut 'BehaviorBlocking.psd1'))) {
        throw "No module layout in ${moduleOut}: run the Build task first."
    }
    $repositoryPath = Join-Path $out 'repository'
    New-Item $repositoryPath -ItemType Directory -Force | Out-Null
    Remove-Item (Join-Path $repositoryPath "BehaviorBlocking.$version.nupkg") -ErrorAction SilentlyContinue
    $name = 'BehaviorBlockingBuild'
    Register-PSResourceRepository -Name $name -Uri $repositoryPath -Trusted -Force
    try {
        Publish-PSResource -Path $moduleOut -Repository $name
    }
    finally {
        Unregister-PSResourceRepository -Name $name
    }
    Write-Host "Packaged $(Join-Path $repositoryPath "BehaviorBlocking.$version.nupkg")"
}

function Invoke-Publish {
    if (-not $ApiKey) { throw "Publish: -ApiKey is required to publish to '$Repository'." }
    $manifest = Import-PowerShellDataFile (Join-Path $moduleOut 'BehaviorBlocking.psd1')
    if (@($manifest.CmdletsToExport).Count -eq 0) { throw 'Publish: the laid-out manifest exports no cmdlets.' }
    Publish-PSResource -Path $moduleOut -Repository $Repository -ApiKey $ApiKey
}

$tasks = @($Task -split ',' | ForEach-Object Trim | Where-Object { $_ })
$unknown = @($tasks | Where-Object { $_ -notin 'Build', 'Test', 'Docs', 'Package', 'Publish' })
if ($unknown) { throw "Unknown task '$($unknown -join "', '")': use Build, Test, Docs, Package or Publish." }
foreach ($t in $tasks) {
    Write-Host "== $t" -ForegroundColor Cyan
    & "Invoke-$t"
}
