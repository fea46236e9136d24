BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Get-BehaviorDetection' {
    It 'writes nothing and no error when there is no store yet' {
        New-TestProductHome | Out-Null
        @(Get-BehaviorDetection -ErrorVariable failures).Count | Should -Be 0
        $failures.Count | Should -Be 0
    }

    Context 'with the sample replayed into the store' {
        BeforeAll {
            New-TestProductHome | Out-Null
            Add-SampleDetection
            $script:All = @(Get-BehaviorDetection)
        }

        It 'lists every stored detection as typed objects, oldest first' {
            $All.Count | Should -BeGreaterThan 0
            $All[0] | Should -BeOfType ([BehaviorBlocking.Detections.Detection])
            ($All.LastSeen | Sort-Object) -join ',' | Should -Be ($All.LastSeen -join ',')
        }

        It 'filters by name wildcard, host alias, severity and -Last' {
            $first = $All[0]
            $found = @(Get-BehaviorDetection -Name ($first.Name.Substring(0, 9) + '*') -Host $first.Host.ToLowerInvariant() -Severity $first.Severity)
            $found.Id | Should -Contain $first.Id
            @(Get-BehaviorDetection -Last 1).Count | Should -Be 1
            @(Get-BehaviorDetection -Until ([datetime]'2000-01-01')).Count | Should -Be 0
        }

        It 'reports an unknown id as DetectionNotFound and still returns the known one' {
            $missing = [guid]::NewGuid()
            $found = @(Get-BehaviorDetection -Id $All[0].Id, $missing -ErrorVariable failures -ErrorAction SilentlyContinue)
            $found.Id | Should -Be $All[0].Id
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'DetectionNotFound,BehaviorBlocking.Commands.GetBehaviorDetectionCommand'
            $failures[0].TargetObject | Should -Be $missing
        }

        It 'binds ids by property name from deserialized detections' {
            $copies = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($All))
            @($copies | Get-BehaviorDetection).Id | Should -Be $All.Id
        }

        It 'formats as a table with time, severity, action, name, process and host, and as a responder list' {
            $table = $All | Format-Table | Out-String -Width 200
            foreach ($column in 'LastSeen (UTC)', 'Severity', 'Action', 'Name', 'Process', 'Host') { $table | Should -BeLike "*$column*" }
            $withProcess = $All | Where-Object ProcessId | Select-Object -First 1
            ($withProcess | Format-Table | Out-String -Width 200) | Should -BeLike "*$($withProcess.ProcessId) *"
            $list = $All[0] | Format-List | Out-String
            foreach ($field in 'Techniques', 'CommandLine', 'Evidence', 'FirstSeen (UTC)') { $list | Should -BeLike "*$field*" }
            ($All[0].Evidence | Format-Table | Out-String -Width 200) | Should -BeLike '*Description*'
        }
    }
}
