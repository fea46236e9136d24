BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Remove-BehaviorIndicator' {
    BeforeEach { New-TestProductHome | Out-Null }

    It 'removes what Get-BehaviorIndicator pipes to it, and -WhatIf removes nothing' {
        Add-BehaviorIndicator -Sha256 ('B' * 64) -Verdict Block
        Add-BehaviorIndicator -Sha256 ('C' * 64) -Verdict Allow
        Get-BehaviorIndicator | Remove-BehaviorIndicator -WhatIf
        @(Get-BehaviorIndicator).Count | Should -Be 2
        (Get-BehaviorIndicator -Verdict Block | Remove-BehaviorIndicator -Confirm:$false -PassThru).Value | Should -Be ('B' * 64)
        (Get-BehaviorIndicator).Verdict | Should -Be 'Allow'
    }

    It 'reports an unknown id as IndicatorNotFound' {
        Remove-BehaviorIndicator -Id ([guid]::NewGuid()) -Confirm:$false -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'IndicatorNotFound,*'
    }
}
