BeforeDiscovery {
    # -Skip is decided at discovery: live sensors need root on Linux.
    $script:IsRoot = $IsLinux -and [int](id -u) -eq 0
}

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Get-BehaviorMonitor' {
    It 'lists nothing when no monitor runs, and says MonitorNotFound for an unknown id' {
        @(Get-BehaviorMonitor).Count | Should -Be 0
        Get-BehaviorMonitor -Id ([guid]::NewGuid()) -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -Be 'MonitorNotFound,BehaviorBlocking.Commands.GetBehaviorMonitorCommand'
    }

    It 'shows a running monitor''s health as a table and a list' -Skip:(-not $IsRoot) {
        New-TestProductHome | Out-Null
        $monitor = Start-BehaviorMonitor -Mode Audit -NoModel
        try {
            (Get-BehaviorMonitor | Format-Table | Out-String -Width 200) | Should -Match 'State\s+Mode\s+Uptime\s+Events/s\s+Dropped\s+Detections\s+Sources'
            (Get-BehaviorMonitor | Format-List | Out-String -Width 200) | Should -Match 'linux-process'
        }
        finally {
            $monitor | Stop-BehaviorMonitor
        }
    }
}
