# The module as build.ps1 lays it out (out/module/BehaviorBlocking, or $env:BEHAVIORBLOCKING_MODULE):
# manifest, contents, and what Import-Module / Remove-Module do in a fresh pwsh.

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $layout = if ($env:BEHAVIORBLOCKING_MODULE) { $env:BEHAVIORBLOCKING_MODULE } else { Join-Path $repoRoot 'out/module/BehaviorBlocking' }
    if (-not (Test-Path (Join-Path $layout 'BehaviorBlocking.psd1'))) {
        throw "No module layout at '$layout': run 'build.ps1 Build' first."
    }
    $script:ModuleDir = (Resolve-Path $layout).ProviderPath
    $script:ManifestPath = Join-Path $ModuleDir 'BehaviorBlocking.psd1'
    $script:Version = ([xml](Get-Content (Join-Path $repoRoot 'Directory.Build.props') -Raw)).SelectSingleNode('/Project/PropertyGroup/VersionPrefix').InnerText
    # Recursive: the Linux rules live in module/rules/linux.
    $script:SourceRulesRoot = Join-Path $repoRoot 'module/rules'
    $script:SourceRules = @(Get-ChildItem $SourceRulesRoot -Filter '*.yml' -Recurse | Sort-Object FullName)
    $script:SourceModels = Join-Path $repoRoot 'module/models'
    $script:ShippedRids = @('win-x64', 'win-arm64', 'linux-x64', 'linux-arm64', 'osx-arm64')

    # Runs $Script in a new pwsh (this one's executable) and returns its output parsed from JSON;
    # a fresh process is the only way to see what Import-Module loads, since assemblies never unload.
    function Invoke-FreshPwsh([string] $Script) {
        $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
        $env:BEHAVIORBLOCKING_TEST_MODULE = $script:ModuleDir
        $prelude = "`$ErrorActionPreference = 'Stop'; `$module = `$env:BEHAVIORBLOCKING_TEST_MODULE`n"
        $output = & $pwsh -NoProfile -NonInteractive -Command ($prelude + $Script)
        if ($LASTEXITCODE -ne 0) { throw "pwsh exited with $LASTEXITCODE`: $($output -join [Environment]::NewLine)" }
        return ($output -join [Environment]::NewLine) | ConvertFrom-Json
    }
}

Describe 'Module manifest' {
    It 'passes Test-ModuleManifest with the product version' {
        $manifest = Test-ModuleManifest $ManifestPath
        $manifest.Name | Should -Be 'BehaviorBlocking'
        $manifest.Version.ToString() | Should -Be $Version
        $manifest.RootModule | Should -Be 'BehaviorBlocking.dll'
        $manifest.Guid | Should -Be '5b0d7c1e-3f8a-4e62-9b7d-2c4a6e8f1a30'
    }

    It 'targets Windows PowerShell 5.1 and PowerShell 7 (Desktop and Core)' {
        $data = Import-PowerShellDataFile $ManifestPath
        $data.CompatiblePSEditions | Sort-Object | Should -Be @('Core', 'Desktop')
        $data.PowerShellVersion | Should -Be '5.1'
        $data.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Desktop'
        $data.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Core'
    }
}

Describe 'Module folder' {
    It 'holds the cmdlet assembly, Core and their managed dependencies, without System.Management.Automation' {
        foreach ($file in 'BehaviorBlocking.dll', 'BehaviorBlocking.Core.dll', 'YamlDotNet.dll', 'Microsoft.Data.Sqlite.dll',
                          'SQLitePCLRaw.core.dll', 'SQLitePCLRaw.provider.e_sqlite3.dll', 'System.Text.Json.dll', 'System.Threading.Channels.dll',
                          'System.IO.Hashing.dll', 'net8.0/System.IO.Hashing.dll') {
            Join-Path $ModuleDir $file | Should -Exist
        }
        Join-Path $ModuleDir 'System.Management.Automation.dll' | Should -Not -Exist
    }

    It 'holds every built-in rule, byte for byte' {
        $SourceRules.Count | Should -BeGreaterThan 0
        $shippedRoot = Join-Path $ModuleDir 'rules'
        $shipped = @(Get-ChildItem $shippedRoot -Filter '*.yml' -Recurse | Sort-Object FullName)
        @($shipped | ForEach-Object { [IO.Path]::GetRelativePath($shippedRoot, $_.FullName) }) |
            Should -Be @($SourceRules | ForEach-Object { [IO.Path]::GetRelativePath($SourceRulesRoot, $_.FullName) })
        @($shipped | Where-Object { $_.DirectoryName -eq (Join-Path $shippedRoot 'linux') }).Count | Should -BeGreaterThan 0
        (Get-FileHash $shipped.FullName).Hash | Should -Be (Get-FileHash $SourceRules.FullName).Hash
    }

    It 'holds the built-in model and its manifest, byte for byte' {
        foreach ($file in 'behavior.onnx', 'behavior.json') {
            $shipped = Join-Path $ModuleDir "models/$file"
            $shipped | Should -Exist
            (Get-FileHash $shipped).Hash | Should -Be (Get-FileHash (Join-Path $SourceModels $file)).Hash
        }
    }

    It 'holds the SQLite native library for exactly the shipped platforms' {
        (Get-ChildItem (Join-Path $ModuleDir 'runtimes') -Directory).Name | Sort-Object | Should -Be ($ShippedRids | Sort-Object)
        Join-Path $ModuleDir 'runtimes/win-x64/native/e_sqlite3.dll' | Should -Exist
        Join-Path $ModuleDir 'runtimes/win-arm64/native/e_sqlite3.dll' | Should -Exist
        Join-Path $ModuleDir 'runtimes/linux-x64/native/libe_sqlite3.so' | Should -Exist
        Join-Path $ModuleDir 'runtimes/linux-arm64/native/libe_sqlite3.so' | Should -Exist
        Join-Path $ModuleDir 'runtimes/osx-arm64/native/libe_sqlite3.dylib' | Should -Exist
    }

    It 'holds TraceEvent''s native helpers beside its assembly for win-x64 (amd64) and win-arm64 (arm64), and no x86 copies' {
        # TraceEvent loads them itself from <its folder>/<PROCESSOR_ARCHITECTURE>/.
        Join-Path $ModuleDir 'Microsoft.Diagnostics.Tracing.TraceEvent.dll' | Should -Exist
        foreach ($arch in 'amd64', 'arm64') {
            foreach ($file in 'KernelTraceControl.dll', 'msdia140.dll') {
                Join-Path $ModuleDir "$arch/$file" | Should -Exist
            }
        }
        Join-Path $ModuleDir 'x86' | Should -Not -Exist
    }
}

Describe 'Import-Module in a fresh pwsh' {
    It 'imports the module from the folder' {
        $result = Invoke-FreshPwsh @'
$info = Import-Module (Join-Path $module 'BehaviorBlocking.psd1') -PassThru
[pscustomobject]@{ Name = $info.Name; Version = $info.Version.ToString(); ModuleBase = $info.ModuleBase; Loaded = @(Get-Module BehaviorBlocking).Count } | ConvertTo-Json
'@
        $result.Name | Should -Be 'BehaviorBlocking'
        $result.Version | Should -Be $Version
        $result.ModuleBase | Should -Be $ModuleDir
        $result.Loaded | Should -Be 1
    }

    It 'resolves Core from the module folder, and the engine finds its rules and model there, not in PowerShell''s folder' {
        # Assembly.Load by name resolves Core the way a cmdlet's first use of it will.
        $result = Invoke-FreshPwsh @'
Import-Module (Join-Path $module 'BehaviorBlocking.psd1')
$core = [System.Reflection.Assembly]::Load('BehaviorBlocking.Core')
$locations = $core.GetType('BehaviorBlocking.Engine.EngineLocations', $true)
$rules = $locations.GetProperty('BuiltInRulesDirectory').GetValue($null)
$model = $locations.GetProperty('BuiltInModelPath').GetValue($null)
[pscustomobject]@{
    PSHome = $PSHOME; CoreLocation = $core.Location
    CoreDirectory = $locations.GetProperty('CoreDirectory').GetValue($null)
    Rules = $rules; RuleFiles = @(Get-ChildItem $rules -Filter '*.yml' -Recurse).Count
    Model = $model; ModelExists = (Test-Path $model -PathType Leaf)
} | ConvertTo-Json
'@
        $result.CoreLocation | Should -Be (Join-Path $ModuleDir 'BehaviorBlocking.Core.dll')
        $result.CoreDirectory | Should -Be $ModuleDir
        $result.Rules | Should -Be (Join-Path $ModuleDir 'rules')
        $result.RuleFiles | Should -Be $SourceRules.Count
        $result.Model | Should -Be (Join-Path $ModuleDir 'models/behavior.onnx')
        $result.ModelExists | Should -BeTrue
        $result.Rules | Should -Not -BeLike "$($result.PSHome)*"
        $result.Model | Should -Not -BeLike "$($result.PSHome)*"
    }

    It 'resolves the module''s dependencies while it is imported' {
        $result = Invoke-FreshPwsh @'
Import-Module (Join-Path $module 'BehaviorBlocking.psd1')
[pscustomobject]@{ Yaml = [System.Reflection.Assembly]::Load('YamlDotNet').Location } | ConvertTo-Json
'@
        $result.Yaml | Should -Be (Join-Path $ModuleDir 'YamlDotNet.dll')
    }

    It 'stops resolving from the module folder after Remove-Module' {
        $result = Invoke-FreshPwsh @'
Import-Module (Join-Path $module 'BehaviorBlocking.psd1')
Remove-Module BehaviorBlocking
$resolved = try { [System.Reflection.Assembly]::Load('YamlDotNet').Location } catch { $null }
[pscustomobject]@{ Loaded = @(Get-Module BehaviorBlocking).Count; Yaml = $resolved } | ConvertTo-Json
'@
        $result.Loaded | Should -Be 0
        $result.Yaml | Should -BeNullOrEmpty
    }

    It 'checks each gzip member''s CRC-32 with System.IO.Hashing from the module folder while reading a recording' {
        # Two gzip members, the first with a flipped bit in its stored CRC: every event is read and the
        # one problem is InputCorrupt for the first member. Core's CRC comes from the module's own copy.
        $result = Invoke-FreshPwsh @'
Import-Module (Join-Path $module 'BehaviorBlocking.psd1')
$core = [System.Reflection.Assembly]::Load('BehaviorBlocking.Core')
$folder = Join-Path ([System.IO.Path]::GetTempPath()) ("bb-gzip-{0}" -f [guid]::NewGuid())
New-Item $folder -ItemType Directory | Out-Null
try {
    function ConvertTo-Gzip([int[]] $Records) {
        $text = -join ($Records | ForEach-Object {
            '{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"WS1","TimeCreated":"2024-03-01T10:00:00Z","EventRecordID":' +
            $_ + ',"ProcessId":"' + (100 + $_) + '","Image":"C:\\x\\cmd.exe"}' + "`n" })
        $buffer = [System.IO.MemoryStream]::new()
        $gzip = [System.IO.Compression.GZipStream]::new($buffer, [System.IO.Compression.CompressionLevel]::Fastest, $true)
        $bytes = [System.Text.Encoding]::UTF8.GetBytes($text)
        $gzip.Write($bytes, 0, $bytes.Length)
        $gzip.Dispose()
        , $buffer.ToArray()
    }
    [byte[]] $first = ConvertTo-Gzip (0..9)
    [byte[]] $second = ConvertTo-Gzip (10..19)
    $first[$first.Length - 8] = $first[$first.Length - 8] -bxor 1
    $path = Join-Path $folder 'two.jsonl.gz'
    [System.IO.File]::WriteAllBytes($path, [byte[]] ($first + $second))

    $files = [System.Collections.Generic.List[string]]::new()
    $files.Add($path)
    $normalizer = [System.Activator]::CreateInstance($core.GetType('BehaviorBlocking.Sensors.Windows.WindowsEventNormalizer', $true))
    $source = [System.Activator]::CreateInstance($core.GetType('BehaviorBlocking.Sensors.Replay.ReplaySource', $true), @($files, $normalizer, 16777216))
    $pump = [System.Activator]::CreateInstance($core.GetType('BehaviorBlocking.Pipeline.EventPump', $true), @($source, $null))
    $state = @{ Events = 0; Problems = [System.Collections.Generic.List[object]]::new() }
    $consume = [System.Management.Automation.LanguagePrimitives]::ConvertTo(
        { param($batch) $state.Events += $batch.Count; if ($batch.Problems) { $state.Problems.AddRange($batch.Problems) } },
        [System.Action``1].MakeGenericType($core.GetType('BehaviorBlocking.Pipeline.EventBatch', $true)))
    $pump.Run($consume, [System.Threading.CancellationToken]::None)
    $hashing = [System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'System.IO.Hashing' }
    [pscustomobject]@{
        Events = $state.Events; FirstLength = $first.Length
        Problems = @($state.Problems | ForEach-Object { [pscustomobject]@{ ErrorId = $_.ErrorId; File = $_.File; Message = $_.Message } })
        Hashing = @($hashing | ForEach-Object Location)
        HashingFramework = @($hashing | ForEach-Object { $_.GetCustomAttributes([System.Runtime.Versioning.TargetFrameworkAttribute], $false).FrameworkName })
        Path = $path
    } | ConvertTo-Json -Depth 4
} finally {
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}
'@
        $result.Events | Should -Be 20
        $result.Problems.Count | Should -Be 1
        $result.Problems[0].ErrorId | Should -Be 'InputCorrupt'
        $result.Problems[0].File | Should -Be $result.Path
        $result.Problems[0].Message | Should -BeLike 'gzip member 1 (from byte 0) fails its CRC-32 check*next member'
        # PowerShell 7 runs on .NET 8+, so the module's vectorized net8.0 build is the one loaded;
        # the netstandard2.0 copy beside it is for Windows PowerShell 5.1.
        $result.Hashing | Should -Be @(Join-Path $ModuleDir 'net8.0/System.IO.Hashing.dll')
        $result.HashingFramework | Should -Be @('.NETCoreApp,Version=v8.0')
    }

    It 'opens the SQLite store with the native library from the module''s runtimes folder' {
        # A detection written and read back, in a store in a temp folder; the native must be the
        # module's own copy under runtimes/<rid>/native (PowerShell's probing never looks there).
        $result = Invoke-FreshPwsh @'
Import-Module (Join-Path $module 'BehaviorBlocking.psd1')
$core = [System.Reflection.Assembly]::Load('BehaviorBlocking.Core')
$folder = Join-Path ([System.IO.Path]::GetTempPath()) ("bb-store-{0}" -f [guid]::NewGuid())
[string] $path = Join-Path $folder 'store.db'
try {
    $storeType = $core.GetType('BehaviorBlocking.Store.DetectionStore', $true)
    $detectionType = $core.GetType('BehaviorBlocking.Detections.Detection', $true)
    $id = [guid]::NewGuid()
    $detection = [System.Activator]::CreateInstance($detectionType)
    $detectionType.GetProperty('Id').SetValue($detection, $id)
    $detectionType.GetProperty('Name').SetValue($detection, 'Behavior:Linux/Generic.A1!rule')
    $batch = [System.Array]::CreateInstance($detectionType, 1)
    $batch.SetValue($detection, 0)
    $store = $storeType.GetMethod('Open', [type[]] @([string])).Invoke($null, @($path))
    try {
        $store.Upsert($batch)
        $read = $store.Get($id)
        $count = $store.Count()
        $schema = $store.SchemaVersion
    } finally {
        $store.Dispose()
    }
    $locator = $core.GetType('BehaviorBlocking.Store.SqliteNativeLocator', $true)
    $loaded = $locator.GetProperty('LoadedPath').GetValue($null)
    $maps = if ($IsLinux) { Get-Content -Raw '/proc/self/maps' } else { $null }
    [pscustomobject]@{
        Created = (Test-Path $path -PathType Leaf); Schema = $schema; Current = $storeType.GetProperty('CurrentSchemaVersion').GetValue($null)
        Count = $count; Name = $read.Name; LoadedPath = $loaded
        Mapped = if ($IsLinux) { $maps.Contains($loaded) } else { $null }
    } | ConvertTo-Json
} finally {
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}
'@
        $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
        $rid = '{0}-{1}' -f $os, [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
        $file = if ($IsWindows) { 'e_sqlite3.dll' } elseif ($IsMacOS) { 'libe_sqlite3.dylib' } else { 'libe_sqlite3.so' }
        $result.Created | Should -BeTrue
        $result.Schema | Should -Be $result.Current
        $result.Count | Should -Be 1
        $result.Name | Should -Be 'Behavior:Linux/Generic.A1!rule'
        $result.LoadedPath | Should -Be (Join-Path $ModuleDir "runtimes/$rid/native/$file")
        if ($IsLinux) { $result.Mapped | Should -BeTrue }
    }
}
