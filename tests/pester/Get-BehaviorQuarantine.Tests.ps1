BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Get-BehaviorQuarantine' {
    BeforeEach { New-TestProductHome | Out-Null }

    It 'lists nothing in a new product folder' {
        @(Get-BehaviorQuarantine).Count | Should -Be 0
    }

    It 'lists held entries, filtered by original path wildcard, and formats them as a table' {
        $entry = New-QuarantinedFile 'payload.sh' 'echo payload'
        New-QuarantinedFile 'other.bin' 'x' | Out-Null
        $found = @(Get-BehaviorQuarantine -OriginalPath '*payload*')
        $found.Count | Should -Be 1
        $found[0].Id | Should -Be $entry.Id
        $found[0].State | Should -Be 'Held'
        (Get-BehaviorQuarantine | Format-Table | Out-String -Width 200) | Should -Match 'QuarantinedAt\s+State\s+Length\s+Sha256\s+OriginalPath'
    }

    It 'reports an unknown id as QuarantineEntryNotFound' {
        Get-BehaviorQuarantine -Id ([guid]::NewGuid()) -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -Be 'QuarantineEntryNotFound,BehaviorBlocking.Commands.GetBehaviorQuarantineCommand'
    }
}
