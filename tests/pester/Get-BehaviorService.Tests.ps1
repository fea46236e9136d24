BeforeAll { . $PSScriptRoot/TestSupport.ps1 }

Describe 'Get-BehaviorService' {
    It 'reports a service that is not installed in an empty unit folder, formatted as a table' {
        $units = Join-Path $TestDrive 'units'
        New-Item $units -ItemType Directory -Force | Out-Null
        $status = Get-BehaviorService -UnitDirectory $units
        $status.Installed | Should -BeFalse
        $status.IsRunning | Should -BeFalse
        ($status | Format-Table | Out-String -Width 200) | Should -Match 'Name\s+Installed\s+State\s+PID\s+Restarts\s+UnitPath'
    }
}
