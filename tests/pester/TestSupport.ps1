# Dot-sourced by every cmdlet test file (BeforeAll { . $PSScriptRoot/TestSupport.ps1 }).
# Imports BehaviorBlocking as the user would have it: from $env:BEHAVIORBLOCKING_MODULE, which build.ps1 Test
# points at the copy it installed from the packaged .nupkg into a clean module folder (else the build layout),
# and gives the file a product folder of its own (BEHAVIORBLOCKING_HOME) in TestDrive.

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
$script:ModuleUnderTest = if ($env:BEHAVIORBLOCKING_MODULE) { $env:BEHAVIORBLOCKING_MODULE } else { Join-Path $RepoRoot 'out/module/BehaviorBlocking' }
if (-not (Test-Path (Join-Path $ModuleUnderTest 'BehaviorBlocking.psd1'))) {
    throw "No module at '$ModuleUnderTest': run 'build.ps1 Build' first."
}
$script:SamplesPath = Join-Path $RepoRoot 'tests/data/samples'
$script:TestDataPath = Join-Path $RepoRoot 'tests/data'

# One import per pwsh: a binary module's assemblies never unload, so every test file shares it.
if (-not (Get-Module BehaviorBlocking)) {
    Import-Module (Join-Path $ModuleUnderTest 'BehaviorBlocking.psd1') -ErrorAction Stop
}
# The engine assembly loads with the first cmdlet that needs it; tests that build fixtures through its types
# (a quarantined file, a store row) need it now. It resolves from the module folder, as a cmdlet's use would.
$null = [System.Reflection.Assembly]::Load('BehaviorBlocking.Core')

# A fresh product folder (store, policy, quarantine, indicators) for this test file.
function New-TestProductHome {
    $folder = Join-Path $TestDrive ('home-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item $folder -ItemType Directory -Force | Out-Null
    $env:BEHAVIORBLOCKING_HOME = $folder
    return $folder
}

# Discovery (BeforeDiscovery) has no TestDrive yet: only the run gets a product folder.
if (Get-Variable -Name TestDrive -ValueOnly -ErrorAction SilentlyContinue) {
    $script:ProductHome = New-TestProductHome
}

# Fills the current product folder's store by replaying the shipped sample, as a user would (Start-BehaviorMonitor -Path).
function Add-SampleDetection {
    $replayed = @(Start-BehaviorMonitor -Path (Join-Path $SamplesPath 'intrusion-office-macro.jsonl'))
    $replayed.Count | Should -BeGreaterThan 0
    @(Get-BehaviorDetection).Count | Should -BeGreaterThan 0
}

# A file quarantined through the engine the module loaded, as a response would (outside the product folder,
# which the guard rails protect).
function New-QuarantinedFile([string] $Name, [string] $Text) {
    $dir = Join-Path $TestDrive 'files'
    New-Item $dir -ItemType Directory -Force | Out-Null
    $file = Join-Path $dir $Name
    Set-Content $file $Text -NoNewline
    $vault = [BehaviorBlocking.Response.QuarantineVault]::new([BehaviorBlocking.Response.QuarantineVault]::DefaultFolder, [BehaviorBlocking.Response.GuardRails]::new())
    $vault.Add($file, $null, 'pester')
}
