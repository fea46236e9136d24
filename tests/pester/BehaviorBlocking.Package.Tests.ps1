# The Gallery package: Publish-PSResource of the laid-out module to a folder repository (what
# 'build.ps1 Package' does), then Install-PSResource from it and Import-Module by name, as a user would.
# Everything happens in a fresh pwsh whose home folder is a test folder (PSResourceGet installs under
# $HOME/.local/share/powershell/Modules), so the user's own repositories and modules are never touched.

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $layout = if ($env:BEHAVIORBLOCKING_MODULE) { $env:BEHAVIORBLOCKING_MODULE } else { Join-Path $repoRoot 'out/module/BehaviorBlocking' }
    if (-not (Test-Path (Join-Path $layout 'BehaviorBlocking.psd1'))) {
        throw "No module layout at '$layout': run 'build.ps1 Build' first."
    }
    $script:ModuleDir = (Resolve-Path $layout).ProviderPath
    $script:Version = ([xml](Get-Content (Join-Path $repoRoot 'Directory.Build.props') -Raw)).SelectSingleNode('/Project/PropertyGroup/VersionPrefix').InnerText
    $script:RuleCount = @(Get-ChildItem (Join-Path $repoRoot 'module/rules') -Filter '*.yml' -Recurse).Count
    $script:LinuxRuleCount = @(Get-ChildItem (Join-Path $repoRoot 'module/rules/linux') -Filter '*.yml').Count
    $script:Repository = Join-Path $TestDrive 'repository'
    $script:UserHome = Join-Path $TestDrive 'home'
    # .NET reports a special folder that does not exist as '' (NuGet would then write ./NuGet/NuGet.Config).
    New-Item $Repository, (Join-Path $UserHome '.config'), (Join-Path $UserHome '.local/share') -ItemType Directory | Out-Null
}

Describe 'Gallery package' -Skip:$IsWindows {
    # Skipped on Windows: the user's module folder there is under Documents and cannot be redirected for the test.

    BeforeAll {
        $pwsh = Join-Path $PSHOME 'pwsh'
        $env:BEHAVIORBLOCKING_TEST_MODULE = $ModuleDir
        $env:BEHAVIORBLOCKING_TEST_REPOSITORY = $Repository
        # The child derives its module path and data folders from HOME; PSModulePath and XDG_DATA_HOME
        # inherited from this process would point it back at the user's own folders.
        $saved = @{ HOME = $env:HOME; XDG_DATA_HOME = $env:XDG_DATA_HOME; PSModulePath = $env:PSModulePath }
        $env:HOME = $UserHome
        $env:XDG_DATA_HOME = $null
        $env:PSModulePath = $null
        try {
            $output = & $pwsh -NoProfile -NonInteractive -Command @'
$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name BehaviorBlockingTest -Uri $env:BEHAVIORBLOCKING_TEST_REPOSITORY -Trusted
Publish-PSResource -Path $env:BEHAVIORBLOCKING_TEST_MODULE -Repository BehaviorBlockingTest
Install-PSResource -Name BehaviorBlocking -Repository BehaviorBlockingTest -Scope CurrentUser -TrustRepository
$info = Import-Module BehaviorBlocking -PassThru
$core = [System.Reflection.Assembly]::Load('BehaviorBlocking.Core')
$locations = $core.GetType('BehaviorBlocking.Engine.EngineLocations', $true)
$rules = $locations.GetProperty('BuiltInRulesDirectory').GetValue($null)
[pscustomobject]@{
    Installed = @(Get-InstalledPSResource -Name BehaviorBlocking | ForEach-Object { $_.Version.ToString() })
    ModuleBase = $info.ModuleBase
    Version = $info.Version.ToString()
    Rules = $rules
    RuleFiles = @(Get-ChildItem $rules -Filter '*.yml' -Recurse).Count
    Model = $locations.GetProperty('BuiltInModelPath').GetValue($null)
} | ConvertTo-Json
'@
            $script:ExitCode = $LASTEXITCODE
            $script:Result = if ($ExitCode -eq 0) { ($output -join [Environment]::NewLine) | ConvertFrom-Json } else { $null }
            $script:Output = $output -join [Environment]::NewLine
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }

    It 'publishes, installs and imports without errors' {
        $ExitCode | Should -Be 0 -Because $Output
    }

    It 'writes BehaviorBlocking.<version>.nupkg with the assemblies, rules, model and natives' {
        $nupkg = Join-Path $Repository "BehaviorBlocking.$Version.nupkg"
        $nupkg | Should -Exist
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($nupkg)
        try {
            $entries = @($zip.Entries.FullName)
        }
        finally {
            $zip.Dispose()
        }
        foreach ($entry in 'BehaviorBlocking.psd1', 'BehaviorBlocking.dll', 'BehaviorBlocking.Core.dll', 'YamlDotNet.dll',
                           'models/behavior.onnx', 'models/behavior.json', 'runtimes/linux-x64/native/libe_sqlite3.so', 'runtimes/win-x64/native/e_sqlite3.dll') {
            $entries | Should -Contain $entry
        }
        @($entries | Where-Object { $_ -like 'rules/*.yml' }).Count | Should -Be $RuleCount
        @($entries | Where-Object { $_ -like 'rules/linux/*.yml' }).Count | Should -Be $LinuxRuleCount
    }

    It 'installs the product version into the user''s module folder and imports it by name from there' {
        $installed = Join-Path $UserHome ".local/share/powershell/Modules/BehaviorBlocking/$Version"
        $Result.Installed | Should -Be @($Version)
        $Result.Version | Should -Be $Version
        $Result.ModuleBase | Should -Be $installed
        $Result.Rules | Should -Be (Join-Path $installed 'rules')
        $Result.RuleFiles | Should -Be $RuleCount
        $Result.Model | Should -Be (Join-Path $installed 'models/behavior.onnx')
    }
}
