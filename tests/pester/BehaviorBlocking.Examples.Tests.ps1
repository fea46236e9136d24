# The examples in docs/examples, as users run them: the Intune detection and remediation scripts (written for
# Windows PowerShell 5.1, which cannot run here: their syntax is checked for 5.1, and they run in pwsh against
# the installed module), and the fleet script's remoting path (deserialized detections, as Invoke-Command
# returns them, gathered into one table and sent back by Id).

BeforeDiscovery {
    $script:Scripts = @(Get-ChildItem (Join-Path $PSScriptRoot '../../docs/examples') -Filter '*.ps1' -Recurse |
        ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } })
}

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $script:Examples = Join-Path $RepoRoot 'docs/examples'

    # Runs an example script in a fresh pwsh that finds the module under test by name, with the given product folder.
    function Invoke-Example([string] $Path, [string] $ProductFolder, [string[]] $Arguments) {
        $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
        $saved = @{ PSModulePath = $env:PSModulePath; BEHAVIORBLOCKING_HOME = $env:BEHAVIORBLOCKING_HOME }
        try {
            $env:PSModulePath = (Split-Path (Split-Path (Get-Module BehaviorBlocking).ModuleBase)) + [IO.Path]::PathSeparator + $env:PSModulePath
            $env:BEHAVIORBLOCKING_HOME = $ProductFolder
            $output = & $pwsh -NoProfile -NonInteractive -File $Path @Arguments
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output) }
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }
}

Describe 'Example <Name> is written for Windows PowerShell 5.1' -ForEach $Scripts {
    It 'parses, requires 5.1 and uses no syntax newer than 5.1' {
        $tokens = $null; $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref] $tokens, [ref] $errors)
        $errors | Should -BeNullOrEmpty
        $ast.ScriptRequirements.RequiredPSVersion | Should -Be ([version] '5.1')
        # Ternaries, pipeline chains (&& ||), ?? and ?. came with PowerShell 7.
        $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.TernaryExpressionAst] -or
                                 $n -is [System.Management.Automation.Language.PipelineChainAst] }, $true) | Should -BeNullOrEmpty
        @($tokens | Where-Object { $_.Kind -in 'QuestionQuestion', 'QuestionQuestionEquals', 'QuestionDot', 'QuestionLBracket', 'AndAnd', 'OrOr' }) | Should -BeNullOrEmpty
        # $IsWindows and friends do not exist in 5.1.
        @($tokens | Where-Object { $_.Kind -eq 'Variable' -and $_.Name -in 'IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR' }) | Should -BeNullOrEmpty
        # ForEach-Object -Parallel is 7 only.
        $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandParameterAst] -and $n.ParameterName -eq 'Parallel' }, $true) | Should -BeNullOrEmpty
    }
}

Describe 'Intune remediation scripts' {
    BeforeAll {
        $script:Device = New-TestProductHome
        $script:Detect = Join-Path $Examples 'intune/Detect-BehaviorBlocking.ps1'
        $script:Remediate = Join-Path $Examples 'intune/Remediate-BehaviorBlocking.ps1'
    }

    It 'detection exits 1 on a device still on the default Audit policy, naming the problem' {
        $result = Invoke-Example $Detect $Device @('-SkipService')
        $result.ExitCode | Should -Be 1
        $result.Output[-1] | Should -BeLike 'Not compliant: policy mode is Audit, wanted Block*'
    }

    It 'remediation sets the policy to Block without a prompt and exits 0' {
        $result = Invoke-Example $Remediate $Device @('-SkipService')
        $result.ExitCode | Should -Be 0
        $result.Output[-1] | Should -Be 'Remediated: policy mode Audit -> Block'
        (Get-Content -Raw (Join-Path $Device 'policy.json') | ConvertFrom-Json).mode | Should -Be 'Block'
    }

    It 'detection then exits 0, and a second remediation has nothing to do' {
        $result = Invoke-Example $Detect $Device @('-SkipService')
        $result.ExitCode | Should -Be 0
        $result.Output[-1] | Should -BeLike 'Compliant: policy Block*'
        (Invoke-Example $Remediate $Device @('-SkipService')).Output[-1] | Should -Be 'Nothing to remediate'
    }

    It 'detection exits 1 when the module cannot be imported' {
        $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
        $saved = $env:PSModulePath
        try {
            $env:PSModulePath = Join-Path $TestDrive 'no-modules'
            $output = & $pwsh -NoProfile -NonInteractive -File $Detect -SkipService
            $LASTEXITCODE | Should -Be 1
            @($output)[-1] | Should -BeLike 'BehaviorBlocking is not installed or does not import*'
        }
        finally {
            $env:PSModulePath = $saved
        }
    }
}

Describe 'Fleet example' {
    BeforeAll {
        $script:Fleet = New-TestProductHome
        Start-BehaviorMonitor -Path $SamplesPath | Out-Null
    }

    It 'gathers deserialized detections, as remoting returns them, into one table, and sends one back by Id' {
        # A background job serializes its output exactly as remoting does.
        $job = Start-Job -ScriptBlock {
            $env:BEHAVIORBLOCKING_HOME = $using:Fleet
            Import-Module (Join-Path $using:ModuleUnderTest 'BehaviorBlocking.psd1')
            Get-BehaviorDetection
        }
        $remote = @($job | Wait-Job | Receive-Job)
        $job | Remove-Job
        $remote.Count | Should -Be @(Get-BehaviorDetection).Count
        $remote[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.BehaviorBlocking.Detections.Detection'
        $table = $remote | Select-Object LastSeen, Severity, Action, Name, Tactic, ProcessId, Image, Id | Format-Table | Out-String -Width 250
        $table | Should -Match 'Behavior:Win32/'
        # What the fleet script's description says: the Id goes back to the computer it came from.
        $results = @($remote | Select-Object -First 1 | Get-BehaviorDetection | Invoke-BehaviorBlock -Action KillTree -WhatIf)
        $results.Count | Should -Be 1
    }
}
