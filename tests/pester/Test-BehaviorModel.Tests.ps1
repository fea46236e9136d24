BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $script:BuiltIn = Join-Path (Get-Module BehaviorBlocking).ModuleBase 'models/behavior.onnx'
}

Describe 'Test-BehaviorModel' {
    It 'passes the shipped model and fails a truncated copy with the reason' {
        Test-BehaviorModel -Path $BuiltIn -Quiet | Should -BeTrue
        $dir = Join-Path $TestDrive 'truncated'
        New-Item $dir -ItemType Directory | Out-Null
        Copy-Item ([IO.Path]::ChangeExtension($BuiltIn, '.json')) (Join-Path $dir 'behavior.json')
        [IO.File]::WriteAllBytes((Join-Path $dir 'behavior.onnx'), [byte[]] (1..100))
        $result = Test-BehaviorModel -Path (Join-Path $dir 'behavior.onnx')
        $result.Valid | Should -BeFalse
        $result.ErrorId | Should -Be 'ModelInvalid'
        $result.Problem | Should -Not -BeNullOrEmpty
    }
}
