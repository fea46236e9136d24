BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Get-BlockingExclusion' {
    BeforeAll {
        $script:ProductHome = New-TestProductHome
        Add-BlockingExclusion -Image '/opt/a/*' -Justification 'a'
        Add-BlockingExclusion -User 'svc*' -Expires ([DateTimeOffset] '2020-01-01Z') -Justification 'b'
    }

    It 'lists the exclusions with index, conditions and whether each applies' {
        $all = @(Get-BlockingExclusion)
        $all.Count | Should -Be 2
        $all[0] | Should -BeOfType ([BehaviorBlocking.Policy.BlockingExclusion])
        $all.Active | Should -Be @($true, $false)
        [string] $all[1].Conditions[0].Field | Should -Be 'User'
    }

    It 'filters with -Active and -Index' {
        (Get-BlockingExclusion -Active).Justification | Should -Be 'a'
        (Get-BlockingExclusion -Index 1).Justification | Should -Be 'b'
    }

    It 'formats as a table' {
        $table = Get-BlockingExclusion | Format-Table | Out-String
        foreach ($column in 'Index', 'Active', 'Expires', 'Condition', 'Justification') { $table | Should -Match $column }
        $table | Should -Match 'image /opt/a/\*'
    }
}
