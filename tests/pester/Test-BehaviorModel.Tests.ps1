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

Describe 'Test-BehaviorModel' {
    It 'passes a good model on every check' {
        $result = Test-BehaviorModel (New-ModelCopy)
        $result | Should -BeOfType ([BehaviorBlocking.Engine.ModelVerification])
        $result.Passed | Should -BeTrue
        $result.Checks.Name | Should -Be @('File', 'Manifest', 'Sha256', 'Load', 'Probe')
    }

    It 'fails a corrupt model on its hash check without an error' {
        $result = Get-Item (New-ModelCopy -Corrupt) | Test-BehaviorModel -ErrorVariable failures
        $failures.Count | Should -Be 0
        $result.Passed | Should -BeFalse
        $result.FirstFailure.Name | Should -Be 'Sha256'
        $result.FirstFailure.ErrorId | Should -Be 'ModelInvalid'
    }

    It 'writes booleans with -Quiet' {
        Test-BehaviorModel (New-ModelCopy) -Quiet | Should -BeTrue
        Test-BehaviorModel (New-ModelCopy -Corrupt) -Quiet | Should -BeFalse
    }

    It 'formats results and checks as tables' {
        $result = Test-BehaviorModel (New-ModelCopy -Corrupt)
        $text = $result | Format-Table | Out-String -Width 250
        $text | Should -Match 'Passed\s+Version\s+Checks\s+FailedCheck\s+Path\s+Reason'
        $text | Should -Match 'Sha256'
        $checks = $result.Checks | Format-Table | Out-String -Width 250
        $checks | Should -Match 'Name\s+Outcome\s+ErrorId\s+Message'
        $checks | Should -Match 'Skipped'
    }
}
