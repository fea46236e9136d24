BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $script:BuiltIn = Join-Path (Get-Module BehaviorBlocking).ModuleBase 'models/behavior.onnx'
}

Describe 'Install-BehaviorModel' {
    BeforeEach { New-TestProductHome | Out-Null }

    It 'changes nothing with -WhatIf' {
        Install-BehaviorModel -Path $BuiltIn -WhatIf
        (Get-BehaviorModel).Origin | Should -Be 'BuiltIn'
    }

    It 'installs a valid model into the product folder and the engine then loads that one' {
        $installed = Install-BehaviorModel -Path $BuiltIn -PassThru -Confirm:$false
        $installed.Origin | Should -Be 'Installed'
        $installed.Path | Should -BeLike "$env:BEHAVIORBLOCKING_HOME*"
        (Get-BehaviorModel).Origin | Should -Be 'Installed'
    }

    It 'refuses a model that fails verification with ModelInvalid' {
        $dir = Join-Path $TestDrive 'bad'
        New-Item $dir -ItemType Directory -Force | Out-Null
        Copy-Item ([IO.Path]::ChangeExtension($BuiltIn, '.json')) (Join-Path $dir 'behavior.json')
        Set-Content (Join-Path $dir 'behavior.onnx') 'not a model'
        Install-BehaviorModel -Path (Join-Path $dir 'behavior.onnx') -Confirm:$false -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -Be 'ModelInvalid,BehaviorBlocking.Commands.InstallBehaviorModelCommand'
        (Get-BehaviorModel).Origin | Should -Be 'BuiltIn'
    }
}
