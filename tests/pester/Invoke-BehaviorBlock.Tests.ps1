BeforeAll {
    . $PSScriptRoot/TestSupport.ps1

    # Fills the current product folder's store by replaying the shipped sample through the engine, as a scan would.
    function Add-SampleDetection {
        if (-not ('BBBlockScanObserver' -as [type])) {
            Invoke-Expression @'
class BBBlockScanObserver : BehaviorBlocking.Engine.IScanObserver {
    [void] OnDetection([BehaviorBlocking.Detections.Detection] $detection) {}
    [void] OnVerdict([BehaviorBlocking.Verdicts.VerdictEvent] $verdictEvent) {}
    [void] OnProblem([BehaviorBlocking.Sensors.Replay.ReplayProblem] $problem) {}
    [void] OnProgress([BehaviorBlocking.Engine.ScanProgress] $progress) {}
    [void] OnStoreFailure([BehaviorBlocking.BehaviorBlockingException] $failure) {}
}
'@
        }
        $request = [BehaviorBlocking.Engine.ScanRequest]@{
            Paths     = [string[]]@(Join-Path $SamplesPath 'intrusion-office-macro.jsonl')
            StorePath = [BehaviorBlocking.Store.ProductHome]::DefaultStorePath
        }
        $engine = [BehaviorBlocking.Engine.BehaviorEngine]::Create($null)
        try {
            $result = [BehaviorBlocking.Engine.ScanService]::Run($engine, $request, [BBBlockScanObserver]::new(), [System.Threading.CancellationToken]::None)
            $result.StoredDetections | Should -BeGreaterThan 0
        }
        finally {
            $engine.Dispose()
        }
    }

    function Stop-TestProcess([System.Diagnostics.Process] $Process) {
        if ($Process -and -not $Process.HasExited) { $Process.Kill($true) }
    }
}

Describe 'Invoke-BehaviorBlock' {
    BeforeAll {
        New-TestProductHome | Out-Null
        Add-SampleDetection
        $script:All = @(Get-BehaviorDetection)
    }

    It 'reports what blocking piped detections would do with -WhatIf, and changes nothing' {
        $results = @(Get-BehaviorDetection | Invoke-BehaviorBlock -Action KillTree -WhatIf)
        $results.Count | Should -Be $All.Count
        $results[0] | Should -BeOfType ([BehaviorBlocking.Engine.BlockResult])
        $results.Recorded | Should -Not -Contain $true
        $results[0].Target | Should -BeLike "detection $($All[0].Name) on *"
        $before = ($All | ForEach-Object { $_.Actions.Count } | Measure-Object -Sum).Sum
        $after = (Get-BehaviorDetection | ForEach-Object { $_.Actions.Count } | Measure-Object -Sum).Sum
        $after | Should -Be $before
    }

    It 'kills a process tree the test spawned when confirmed' {
        $shell = Start-Process -FilePath sh -ArgumentList '-c', '"sleep 300 & wait"' -PassThru
        try {
            $result = Invoke-BehaviorBlock -ProcessId $shell.Id -Confirm:$false
            $result.Succeeded | Should -BeTrue
            $result.Target | Should -BeLike "PID $($shell.Id) (*sh)"
            $shell.WaitForExit(10000) | Should -BeTrue
        }
        finally {
            Stop-TestProcess $shell
        }
    }

    It 'leaves a spawned process running with -WhatIf' {
        $sleeper = Start-Process -FilePath sleep -ArgumentList 300 -PassThru
        try {
            $result = Invoke-BehaviorBlock -ProcessId $sleeper.Id -WhatIf
            $result.Steps[0].Outcome | Should -Be 'WhatIf'
            $sleeper.HasExited | Should -BeFalse
        }
        finally {
            Stop-TestProcess $sleeper
        }
    }

    It 'binds a deserialized detection by its Id property' {
        $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($All[0]))
        $result = $copy | Invoke-BehaviorBlock -Action Suspend -WhatIf
        $result.Detection.Id | Should -Be $All[0].Id
    }

    It 'writes DetectionNotFound and InvalidArgument for bad targets and goes on' {
        $results = @(Invoke-BehaviorBlock -Id ([guid]::NewGuid()), $All[0].Id -Action KillTree -WhatIf -ErrorVariable failures -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 1
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'DetectionNotFound,BehaviorBlocking.Commands.InvokeBehaviorBlockCommand'
        Invoke-BehaviorBlock -Sha256 'not-a-hash' -WhatIf -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,BehaviorBlocking.Commands.InvokeBehaviorBlockCommand'
    }

    It 'formats results and response steps as tables' {
        $result = Invoke-BehaviorBlock -Id $All[0].Id -Action KillTree -WhatIf
        $table = $result | Format-Table | Out-String -Width 200
        foreach ($column in 'Succeeded', 'WhatIf', 'Recorded', 'Target', 'Steps') { $table | Should -BeLike "*$column*" }
        $table | Should -BeLike '*KillTree:*'
        $steps = $result.Steps | Format-Table | Out-String -Width 200
        foreach ($column in 'Kind', 'Outcome', 'Target', 'Actor', 'Detail') { $steps | Should -BeLike "*$column*" }
        ($result | Format-List | Out-String -Width 200) | Should -BeLike '*DetectionId*'
    }
}
