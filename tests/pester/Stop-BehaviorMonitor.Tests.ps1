BeforeDiscovery {
    # -Skip is decided at discovery: live sensors need root on Linux.
    $script:IsRoot = $IsLinux -and [int](id -u) -eq 0
}

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Stop-BehaviorMonitor' {
    It 'says MonitorNotFound for an id that is not a monitor of this process' {
        Stop-BehaviorMonitor -Id ([guid]::NewGuid()) -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -Be 'MonitorNotFound,BehaviorBlocking.Commands.StopBehaviorMonitorCommand'
    }

    It 'leaves a monitor running with -WhatIf and stops it from the pipeline' -Skip:(-not $IsRoot) {
        New-TestProductHome | Out-Null
        $monitor = Start-BehaviorMonitor -Mode Audit -NoModel
        $monitor | Stop-BehaviorMonitor -WhatIf
        @(Get-BehaviorMonitor).Count | Should -Be 1
        ($monitor | Stop-BehaviorMonitor -PassThru).State | Should -Be 'Stopped'
        @(Get-BehaviorMonitor).Count | Should -Be 0
    }
}
