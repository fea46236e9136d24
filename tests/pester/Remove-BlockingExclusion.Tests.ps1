BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Remove-BlockingExclusion' {
    BeforeEach {
        $script:ProductHome = New-TestProductHome
        Add-BlockingExclusion -Image '/a' -Justification 'a'
        Add-BlockingExclusion -Image '/b' -Expires ([DateTimeOffset] '2020-01-01Z') -Justification 'b'
        Add-BlockingExclusion -Image '/c' -Expires ([DateTimeOffset] '2020-01-01Z') -Justification 'c'
    }

    It 'removes the expired exclusions piped from Get-BlockingExclusion in one change' {
        Get-BlockingExclusion | Where-Object Active -EQ $false | Remove-BlockingExclusion
        (Get-BlockingExclusion).Justification | Should -Be 'a'
        @(Get-BlockingPolicyHistory).Count | Should -Be 4
    }

    It 'reports an index the policy does not have as PolicyExclusionNotFound and removes the others' {
        Remove-BlockingExclusion -Index 9, 1 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'PolicyExclusionNotFound,BehaviorBlocking.Commands.RemoveBlockingExclusionCommand'
        $failures[0].TargetObject | Should -Be 9
        (Get-BlockingExclusion).Justification | Should -Be @('a', 'c')
    }

    It 'changes nothing with -WhatIf and writes the policy with -PassThru' {
        $before = (Get-FileHash (Join-Path $ProductHome 'policy.json')).Hash
        Get-BlockingExclusion | Remove-BlockingExclusion -WhatIf
        (Get-FileHash (Join-Path $ProductHome 'policy.json')).Hash | Should -Be $before
        (Remove-BlockingExclusion -Index 0 -PassThru).Exclusions.Count | Should -Be 2
    }
}
