BeforeAll { . $PSScriptRoot/TestSupport.ps1 }

# A real install would change this machine's services: -WhatIf and the refusals only.
Describe 'Install-BehaviorService' {
    It 'writes nothing with -WhatIf' {
        $units = Join-Path $TestDrive 'units'
        New-Item $units -ItemType Directory -Force | Out-Null
        $program = Join-Path $TestDrive 'behaviorblock'
        Set-Content $program '#!/bin/sh'
        Install-BehaviorService -Mode Audit -ExecutablePath $program -UnitDirectory $units -WhatIf
        @(Get-ChildItem $units).Count | Should -Be 0
    }

    It 'says ServiceExecutableNotFound when the program is neither given nor on PATH' {
        $saved = $env:PATH
        try {
            $env:PATH = (New-Item (Join-Path $TestDrive 'empty-path') -ItemType Directory -Force).FullName
            { Install-BehaviorService -WhatIf -ErrorAction Stop } | Should -Throw -ErrorId 'ServiceExecutableNotFound,BehaviorBlocking.Commands.InstallBehaviorServiceCommand'
        }
        finally {
            $env:PATH = $saved
        }
    }
}
