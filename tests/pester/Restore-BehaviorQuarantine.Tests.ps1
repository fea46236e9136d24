BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Restore-BehaviorQuarantine' {
    BeforeEach { New-TestProductHome | Out-Null }

    It 'changes nothing with -WhatIf from the pipeline' {
        $entry = New-QuarantinedFile 'a.sh' 'echo a'
        Get-BehaviorQuarantine | Restore-BehaviorQuarantine -WhatIf
        Test-Path $entry.OriginalPath | Should -BeFalse
        (Get-BehaviorQuarantine).State | Should -Be 'Held'
    }

    It 'restores byte for byte and refuses to restore twice' {
        $entry = New-QuarantinedFile 'b.sh' "echo b`nexit 0"
        $restored = Get-BehaviorQuarantine | Restore-BehaviorQuarantine -Confirm:$false -PassThru
        $restored.State | Should -Be 'Restored'
        Get-Content -Raw $entry.OriginalPath | Should -Be "echo b`nexit 0"
        (Get-FileHash $entry.OriginalPath -Algorithm SHA256).Hash | Should -Be $entry.Sha256
        Restore-BehaviorQuarantine -Id $entry.Id -Confirm:$false -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'QuarantineAlreadyRestored,*'
    }
}
