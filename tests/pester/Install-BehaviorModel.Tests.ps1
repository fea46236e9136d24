BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $script:BuiltIn = Join-Path (Get-Module BehaviorBlocking).ModuleBase 'models/behavior.onnx'
    function New-ModelCopy([switch] $Corrupt) {
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item $dir -ItemType Directory -Force | Out-Null
        $onnx = Join-Path $dir 'candidate.onnx'
        Copy-Item $BuiltIn $onnx
        Copy-Item ([IO.Path]::ChangeExtension($BuiltIn, '.json')) ([IO.Path]::ChangeExtension($onnx, '.json'))
        if ($Corrupt) {
            $bytes = [IO.File]::ReadAllBytes($onnx)
            $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0xFF
            [IO.File]::WriteAllBytes($onnx, $bytes)
        }
        return $onnx
    }
}

Describe 'Install-BehaviorModel' {
    BeforeEach { $script:HomeFolder = New-TestProductHome }

    It 'changes nothing with -WhatIf' {
        Install-BehaviorModel (New-ModelCopy) -WhatIf -PassThru | Should -BeNullOrEmpty
        Test-Path (Join-Path $HomeFolder 'models') | Should -BeFalse
        (Get-BehaviorModel).Source | Should -Be 'BuiltIn'
    }

    It 'installs a good model from the pipeline and -PassThru describes it' {
        $installed = Get-Item (New-ModelCopy) | Install-BehaviorModel -PassThru
        $installed.Source | Should -Be 'Installed'
        $installed.Loads | Should -BeTrue
        (Get-BehaviorModel).Source | Should -Be 'Installed'
    }

    It 'refuses a corrupt model with ModelInvalid and installs nothing' {
        $corrupt = New-ModelCopy -Corrupt
        { Install-BehaviorModel $corrupt -ErrorAction Stop } | Should -Throw -ErrorId 'ModelInvalid,BehaviorBlocking.Commands.InstallBehaviorModelCommand'
        Test-Path (Join-Path $HomeFolder 'models') | Should -BeFalse
    }
}
