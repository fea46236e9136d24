BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $script:BuiltIn = Join-Path (Get-Module BehaviorBlocking).ModuleBase 'models/behavior.onnx'
}

Describe 'Get-BehaviorModel' {
    It 'reports the built-in model of the installed module as valid, loaded by ONNX Runtime here' {
        $model = Get-BehaviorModel
        $model | Should -BeOfType ([BehaviorBlocking.Engine.BehaviorModel])
        $model.Origin | Should -Be 'BuiltIn'
        $model.Valid | Should -BeTrue
        $model.RuntimeVersion | Should -Not -BeNullOrEmpty
        $model.Path | Should -Be $BuiltIn
    }

    It 'takes model files from the pipeline by FullName and formats as a table' {
        $text = Get-Item $BuiltIn | Get-BehaviorModel | Format-Table | Out-String -Width 200
        $text | Should -Match 'Origin\s+Version\s+Valid\s+Features\s+Runtime'
    }
}
