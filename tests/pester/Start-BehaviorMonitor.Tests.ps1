BeforeDiscovery {
    # -Skip is decided at discovery: live sensors need root on Linux.
    $script:IsRoot = $IsLinux -and [int](id -u) -eq 0
}

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Start-BehaviorMonitor -Path (replay)' {
    BeforeEach { New-TestProductHome | Out-Null }

    It 'streams the shipped sample''s nine detections, typed, and stores them' {
        $detections = @(Start-BehaviorMonitor -Path $SamplesPath)
        $detections.Count | Should -Be 9
        $detections[0] | Should -BeOfType ([BehaviorBlocking.Detections.Detection])
        $detections.Name | Should -Match '^Behavior:Win32/\w+\.\w+!(ml|rule)$'
        Join-Path $env:BEHAVIORBLOCKING_HOME 'behaviorblocking.db' | Should -Exist
    }

    It 'takes recordings from Get-ChildItem and writes no store with -NoStore' {
        @(Get-ChildItem $SamplesPath -File | Start-BehaviorMonitor -NoStore).Count | Should -Be 9
        Join-Path $env:BEHAVIORBLOCKING_HOME 'behaviorblocking.db' | Should -Not -Exist
    }
}

Describe 'Start-BehaviorMonitor (live)' {
    It 'starts nothing with -WhatIf' {
        Start-BehaviorMonitor -Mode Block -WhatIf
        @(Get-BehaviorMonitor).Count | Should -Be 0
    }

    It 'runs this machine''s sensors in Audit mode as root, and stops cleanly' -Skip:(-not $IsRoot) {
        New-TestProductHome | Out-Null
        $monitor = Start-BehaviorMonitor -Mode Audit -NoModel
        try {
            $monitor.State | Should -BeIn 'Starting', 'Running'
            $monitor.Sources | Should -Contain 'linux-process'
            & /bin/true
            $deadline = [DateTime]::UtcNow.AddSeconds(5)
            do { Start-Sleep -Milliseconds 100; $health = Get-BehaviorMonitor } until ($health.Events -gt 0 -or [DateTime]::UtcNow -gt $deadline)
            $health.Events | Should -BeGreaterThan 0
        }
        finally {
            $final = $monitor | Stop-BehaviorMonitor -PassThru
        }
        $final.State | Should -Be 'Stopped'
    }
}
