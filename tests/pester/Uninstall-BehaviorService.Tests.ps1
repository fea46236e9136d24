BeforeAll { . $PSScriptRoot/TestSupport.ps1 }

Describe 'Uninstall-BehaviorService' {
    It 'removes nothing with -WhatIf' {
        $units = Join-Path $TestDrive 'units'
        New-Item $units -ItemType Directory -Force | Out-Null
        Set-Content (Join-Path $units 'behaviorblock.service') "[Unit]`nDescription=x"
        Uninstall-BehaviorService -UnitDirectory $units -WhatIf
        Join-Path $units 'behaviorblock.service' | Should -Exist
    }
}
