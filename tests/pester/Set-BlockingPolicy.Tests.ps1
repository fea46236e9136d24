BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    # This pwsh again: its own executable, or (installed as a .NET tool) the host running pwsh.dll.
    $script:PwshExe = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
    $script:PwshArgs = @()
    if (-not (Test-Path $PwshExe)) {
        $script:PwshExe = [Environment]::ProcessPath
        $script:PwshArgs = @(Join-Path $PSHOME 'pwsh.dll')
    }
    # A script run the way a deployment tool runs one: a new pwsh, non-interactive, -File.
    function Invoke-NonInteractive([string] $body) {
        $file = Join-Path $TestDrive ('script-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.ps1')
        Set-Content $file ("Import-Module '$(Join-Path $ModuleUnderTest 'BehaviorBlocking.psd1')' -ErrorAction Stop`n" + '$ErrorActionPreference = "Stop"' + "`n" + $body)
        $output = & $PwshExe @PwshArgs -NoProfile -NonInteractive -File $file 2>&1 | Out-String
        return [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
    }
}

Describe 'Set-BlockingPolicy' {
    BeforeEach { $script:ProductHome = New-TestProductHome }

    It 'switches to Block from a non-interactive script with -Force -Confirm:$false, as the Intune example does' {
        $run = Invoke-NonInteractive 'if ([string] (Get-BlockingPolicy).Mode -ne "Block") { Set-BlockingPolicy -Mode Block -Force -Confirm:$false }'
        $run.ExitCode | Should -Be 0 -Because $run.Output
        [string] (Get-BlockingPolicy).Mode | Should -Be 'Block'
        (Get-BlockingPolicyHistory -Last 1).Changes | Should -Be 'mode: Audit -> Block'
    }

    It 'fails with PolicyBlockNotConfirmed in a non-interactive script without -Force and changes nothing' {
        $run = Invoke-NonInteractive 'try { Set-BlockingPolicy -Mode Block } catch { $_.FullyQualifiedErrorId; exit 3 }'
        $run.ExitCode | Should -Be 3 -Because $run.Output
        $run.Output.Trim() | Should -Be 'PolicyBlockNotConfirmed,BehaviorBlocking.Commands.SetBlockingPolicyCommand'
        Test-Path (Join-Path $ProductHome 'policy.json') | Should -BeFalse
    }

    It 'changes nothing with -WhatIf' {
        Set-BlockingPolicy -Mode Block -Force -WhatIf
        Test-Path (Join-Path $ProductHome 'policy.json') | Should -BeFalse
    }

    It 'edits tactic settings and writes the policy with -PassThru' {
        $policy = Set-BlockingPolicy -Tactic Execution, Persistence -Threshold 0.95 -Remediate -PassThru
        $policy | Should -BeOfType ([BehaviorBlocking.Policy.BlockingPolicyInfo])
        $policy.Tactics.Key | Should -Be @('Execution', 'Persistence')
        $policy.Tactics[1].Settings.Remediate | Should -BeTrue
    }

    It 'refuses an invalid file with PolicyFileInvalid and leaves the policy byte-identical' {
        Set-BlockingPolicy -Version v1
        $before = (Get-FileHash (Join-Path $ProductHome 'policy.json')).Hash
        $bad = Join-Path $TestDrive 'bad.json'
        Set-Content $bad '{"schemaVersion": 1, "version": "v9", "mode": "Blok"}'
        { Get-Item $bad | Set-BlockingPolicy -Force -ErrorAction Stop } | Should -Throw -ErrorId 'PolicyFileInvalid,BehaviorBlocking.Commands.SetBlockingPolicyCommand'
        (Get-FileHash (Join-Path $ProductHome 'policy.json')).Hash | Should -Be $before
    }
}
