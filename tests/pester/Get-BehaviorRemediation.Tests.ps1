BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

# Real remediations are created by responses (or, in the hosted tests, through the engine's store); here the
# cmdlet is checked as an admin meets it on a device that has had none.
Describe 'Get-BehaviorRemediation' {
    BeforeEach { New-TestProductHome | Out-Null }

    It 'lists nothing, without an error, before there is a store' {
        @(Get-BehaviorRemediation -ErrorAction Stop).Count | Should -Be 0
    }

    It 'takes detection ids by property name' {
        @([pscustomobject]@{ DetectionId = [guid]::NewGuid() } | Get-BehaviorRemediation -ErrorAction Stop).Count | Should -Be 0
    }

    It 'has a table view' {
        Get-FormatData -TypeName BehaviorBlocking.Response.RemediationRecord | Should -Not -BeNullOrEmpty
    }
}
