BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Add-BlockingExclusion' {
    BeforeEach { $script:ProductHome = New-TestProductHome }

    It 'adds an exclusion, writes it with -PassThru and records the change' {
        $added = Add-BlockingExclusion -Image '/opt/tools/*' -ComputerName 'LAB-*' -Justification 'lab tools' -PassThru
        $added | Should -BeOfType ([BehaviorBlocking.Policy.BlockingExclusion])
        $added.Condition | Should -Be 'image /opt/tools/* and host LAB-*'
        (Get-BlockingPolicyHistory -Last 1).Changes | Should -Be 'exclusions[0] added (image /opt/tools/* and host LAB-*: lab tools)'
    }

    It 'takes a hash from Get-FileHash by property name' {
        $file = Join-Path $TestDrive 'agent.bin'
        Set-Content $file 'agent'
        $hash = Get-FileHash $file
        $hash | Add-BlockingExclusion -Justification 'vendor agent'
        (Get-BlockingExclusion).Conditions[0].Value | Should -Be $hash.Hash
    }

    It 'refuses an exclusion without a condition as PolicyFileInvalid and leaves the file byte-identical' {
        Add-BlockingExclusion -Image '/opt/a' -Justification 'a'
        $before = (Get-FileHash (Join-Path $ProductHome 'policy.json')).Hash
        { Add-BlockingExclusion -Justification 'nothing' -ErrorAction Stop } | Should -Throw -ErrorId 'PolicyFileInvalid,BehaviorBlocking.Commands.AddBlockingExclusionCommand'
        (Get-FileHash (Join-Path $ProductHome 'policy.json')).Hash | Should -Be $before
    }

    It 'changes nothing with -WhatIf' {
        Add-BlockingExclusion -Image '/opt/a' -Justification 'a' -WhatIf
        Test-Path (Join-Path $ProductHome 'policy.json') | Should -BeFalse
    }
}
