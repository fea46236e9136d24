BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Get-BlockingPolicyHistory' {
    BeforeEach { $script:ProductHome = New-TestProductHome }

    It 'writes nothing before any policy was installed' {
        @(Get-BlockingPolicyHistory).Count | Should -Be 0
    }

    It 'lists every change with who made it and what changed, and -Last gives the newest' {
        Set-BlockingPolicy -Version v1
        Add-BlockingExclusion -Image '/opt/a' -Justification 'a'
        $rows = @(Get-BlockingPolicyHistory)
        $rows.Count | Should -Be 2
        $rows[0] | Should -BeOfType ([BehaviorBlocking.Store.PolicyChange])
        $rows[1].PreviousSha256 | Should -Be $rows[0].Sha256
        $rows[1].User | Should -Not -BeNullOrEmpty
        (Get-BlockingPolicyHistory -Last 1).Changes | Should -Be 'exclusions[0] added (image /opt/a: a)'
    }

    It 'formats as a table' {
        Set-BlockingPolicy -Version v1
        $table = Get-BlockingPolicyHistory | Format-Table | Out-String
        foreach ($column in 'Seq', 'Time \(UTC\)', 'User', 'Version', 'Sha256', 'Changes') { $table | Should -Match $column }
        $table | Should -Match 'version: default'
    }
}
