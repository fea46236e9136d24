BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Undo-BehaviorRemediation' {
    BeforeEach { New-TestProductHome | Out-Null }

    It 'reports an unknown id as RemediationNotFound and goes on with the next' {
        $ids = [guid]::NewGuid(), [guid]::NewGuid()
        Undo-BehaviorRemediation -Id $ids -Confirm:$false -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure.Count | Should -Be 2
        $failure | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'RemediationNotFound,*' }
    }

    It 'asks nothing and changes nothing with -WhatIf' {
        { Undo-BehaviorRemediation -Id ([guid]::NewGuid()) -WhatIf -ErrorAction Stop } | Should -Not -Throw
    }
}
