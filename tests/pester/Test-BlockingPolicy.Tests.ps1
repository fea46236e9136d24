BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $script:Bad = Join-Path $TestDrive 'bad.json'
    Set-Content $Bad '{"schemaVersion": 1, "version": "v9", "mode": "Blok"}'
    $script:Good = Join-Path $TestDrive 'good.json'
    Set-Content $Good '{"schemaVersion": 1, "version": "v1", "mode": "Audit"}'
}

Describe 'Test-BlockingPolicy' {
    It 'returns a result with line, column and JSON path for an invalid file, without an error' {
        $result = Get-Item $Bad | Test-BlockingPolicy -ErrorVariable failures
        $failures.Count | Should -Be 0
        $result.IsValid | Should -BeFalse
        $result.Errors[0].Line | Should -Be 1
        $result.Errors[0].Column | Should -Be 47
        $result.Errors[0].Path | Should -Be '$.mode'
    }

    It 'writes booleans with -Quiet' {
        Test-BlockingPolicy $Good, $Bad -Quiet | Should -Be @($true, $false)
    }

    It 'reports a missing file as PolicyFileNotFound and checks the others' {
        $results = @(Test-BlockingPolicy (Join-Path $TestDrive 'none.json'), $Good -ErrorVariable failures -ErrorAction SilentlyContinue)
        $results.IsValid | Should -Be $true
        $failures[0].FullyQualifiedErrorId | Should -Be 'PolicyFileNotFound,BehaviorBlocking.Commands.TestBlockingPolicyCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'formats as a table and as a list' {
        $table = Test-BlockingPolicy $Bad | Format-Table | Out-String
        foreach ($column in 'IsValid', 'Errors', 'Warnings', 'FirstProblem', 'Path') { $table | Should -Match $column }
        Test-BlockingPolicy $Bad | Format-List | Out-String | Should -Match ([regex]::Escape("bad.json:1:47: `$.mode"))
    }
}
