BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Add-BehaviorIndicator' {
    BeforeEach { New-TestProductHome | Out-Null }

    It 'adds block indicators from Get-FileHash by the Hash property' {
        $dir = Join-Path $TestDrive 'hunt'
        New-Item $dir -ItemType Directory -Force | Out-Null
        'one', 'two' | ForEach-Object { Set-Content (Join-Path $dir $_) $_ }
        $added = @(Get-ChildItem $dir -File | Get-FileHash -Algorithm SHA256 | Add-BehaviorIndicator -Verdict Block -Comment hunt -PassThru)
        $added.Count | Should -Be 2
        @(Get-BehaviorIndicator -Verdict Block).Count | Should -Be 2
    }

    It 'changes nothing with -WhatIf' {
        Add-BehaviorIndicator -Sha256 ('A' * 64) -Verdict Block -WhatIf
        @(Get-BehaviorIndicator).Count | Should -Be 0
    }

    It 'refuses to block a protected executable with IndicatorInvalid' {
        Add-BehaviorIndicator -Path '/usr/bin/bash' -Verdict Block -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -Be 'IndicatorInvalid,BehaviorBlocking.Commands.AddBehaviorIndicatorCommand'
        $failure[0].CategoryInfo.Category | Should -Be 'InvalidData'
        @(Get-BehaviorIndicator).Count | Should -Be 0
    }
}
