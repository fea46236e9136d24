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

Describe 'Get-BehaviorModel' {
    It 'describes the built-in model, which loads on this machine' {
        $model = Get-BehaviorModel
        $model | Should -BeOfType ([BehaviorBlocking.Engine.BehaviorModelInfo])
        $model.Source | Should -Be 'BuiltIn'
        $model.Loads | Should -BeTrue
        $model.Sha256 | Should -Be $model.ManifestSha256
        $model.FeatureCount | Should -Be $model.Features.Count
    }

    It 'binds files from Get-ChildItem and says why a corrupt one does not load' {
        $corrupt = New-ModelCopy -Corrupt
        $model = Get-Item $corrupt | Get-BehaviorModel
        $model.Source | Should -Be 'File'
        $model.Loads | Should -BeFalse
        $model.LoadErrorId | Should -Be 'ModelInvalid'
    }

    It 'reports a missing file as ModelNotFound' {
        $null = Get-BehaviorModel -Path (Join-Path $TestDrive 'none.onnx') -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'ModelNotFound,BehaviorBlocking.Commands.GetBehaviorModelCommand'
    }

    It 'formats as a table and a list' {
        $table = Get-BehaviorModel | Format-Table | Out-String -Width 200
        $table | Should -Match 'Source\s+Version\s+Features\s+Loads\s+Sha256\s+Path'
        $table | Should -Match 'BuiltIn'
        $list = Get-BehaviorModel | Format-List | Out-String -Width 200
        $list | Should -Match 'RuntimeVersion\s*:'
    }
}
