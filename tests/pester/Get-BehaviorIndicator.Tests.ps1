BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $script:Hash = '9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08'
}

Describe 'Get-BehaviorIndicator' {
    BeforeEach { New-TestProductHome | Out-Null }

    It 'lists nothing, without an error, before there is a store' {
        @(Get-BehaviorIndicator -ErrorAction Stop).Count | Should -Be 0
    }

    It 'filters by verdict and value wildcard, and formats as a table' {
        Add-BehaviorIndicator -Sha256 $Hash -Verdict Block -Comment 'dropper'
        Add-BehaviorIndicator -Path '/opt/tools/agent' -Verdict Allow
        (Get-BehaviorIndicator -Verdict Block).Value | Should -Be $Hash
        (Get-BehaviorIndicator '/opt/*').Verdict | Should -Be 'Allow'
        (Get-BehaviorIndicator | Format-Table | Out-String -Width 200) | Should -Match 'Verdict\s+Kind\s+Source\s+Expires\s+Comment\s+Value'
    }
}
