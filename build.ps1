#Requires -Version 7.2
<#
.SYNOPSIS
    Builds, tests, documents and packages BehaviorBlocking.
.DESCRIPTION
    Tasks run in the order given. Default: Build, Test.
      Build    dotnet build (Release, warnings as errors) and lay out the module in out/module/BehaviorBlocking.
      Test     dotnet test, then Pester over tests/pester when Pester 5 is available.
      Docs     PlatyPS: docs/cmdlets/*.md to MAML help in the module layout.
      Package  zip the module layout to out/BehaviorBlocking-<version>.zip.
      Publish  Publish-Module the layout to -Repository.
.EXAMPLE
    ./build.ps1
.EXAMPLE
    ./build.ps1 Build, Docs, Package
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Docs', 'Package', 'Publish')]
    [string[]] $Task = @('Build', 'Test'),
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    [string] $Repository = 'PSGallery'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'module/BehaviorBlocking'
$version = ([xml](Get-Content (Join-Path $root 'Directory.Build.props') -Raw)).Project.PropertyGroup.VersionPrefix | Where-Object { $_ } | Select-Object -First 1

function Invoke-Native([string] $File, [string[]] $Arguments) {
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $root 'BehaviorBlocking.sln'), '-c', $Configuration, '-warnaserror')
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/BehaviorBlocking/BehaviorBlocking.csproj'), '-c', $Configuration, '-o', $moduleOut)
    Copy-Item (Join-Path $root 'module/*') $moduleOut -Recurse -Force
    # Cmdlets run in the host's runtime; the host supplies System.Management.Automation.
    Remove-Item (Join-Path $moduleOut 'System.Management.Automation.dll') -ErrorAction SilentlyContinue
    Write-Host "Module laid out in $moduleOut"
}

function Invoke-Test {
    Invoke-Native dotnet @('test', (Join-Path $root 'BehaviorBlocking.sln'), '-c', $Configuration)
    $pester = Get-Module Pester -ListAvailable | Where-Object Version -ge '5.0.0' | Select-Object -First 1
    $pesterTests = Join-Path $root 'tests/pester'
    if ($pester -and (Test-Path $pesterTests)) {
        Import-Module $pester
        $config = New-PesterConfiguration
        $config.Run.Path = $pesterTests
        $config.Run.Exit = $true
        $config.Output.Verbosity = 'Detailed'
        $env:BEHAVIORBLOCKING_MODULE = $moduleOut
        Invoke-Pester -Configuration $config
    }
    else {
        Write-Warning 'Pester 5 or tests/pester not found: module tests skipped.'
    }
}

function Invoke-Docs {
    $platy = Get-Module platyPS -ListAvailable | Select-Object -First 1
    if (-not $platy) { throw 'PlatyPS is required for the Docs task (Install-Module platyPS).' }
    Import-Module $platy
    New-ExternalHelp -Path (Join-Path $root 'docs/cmdlets') -OutputPath (Join-Path $moduleOut 'en-US') -Force | Out-Null
}

function Invoke-Package {
    $zip = Join-Path $out "BehaviorBlocking-$version.zip"
    Compress-Archive -Path $moduleOut -DestinationPath $zip -Force
    Write-Host "Packaged $zip"
}

function Invoke-Publish {
    Publish-Module -Path $moduleOut -Repository $Repository
}

foreach ($t in $Task) {
    Write-Host "== $t" -ForegroundColor Cyan
    & "Invoke-$t"
}
