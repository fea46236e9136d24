BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $script:Rule = Get-ChildItem (Join-Path (Get-Module BehaviorBlocking).ModuleBase 'rules') -Filter 'collection_browser_data_copied.yml' -Recurse | Select-Object -First 1
    $script:Fixtures = Join-Path $TestDataPath 'rules'
}

Describe 'Test-BehaviorRule' {
    It 'loads a built-in rule, which fires on its match fixture and stays silent on its benign one' {
        $match = $Rule | Test-BehaviorRule -RecordPath (Join-Path $Fixtures 'collection_browser_data_copied.match.jsonl')
        $match.Loaded | Should -BeTrue
        $match.Matches | Should -BeGreaterThan 0
        (Test-BehaviorRule $Rule.FullName -RecordPath (Join-Path $Fixtures 'collection_browser_data_copied.benign.jsonl')).Matches | Should -Be 0
    }

    It 'reports a broken rule as skipped with its reason, and -Quiet as $false' {
        $dir = Join-Path $TestDrive 'rules'
        New-Item $dir -ItemType Directory -Force | Out-Null
        Set-Content (Join-Path $dir 'broken.yml') 'title: [unclosed'
        $check = Test-BehaviorRule $dir
        $check.Loaded | Should -BeFalse
        $check.Reason | Should -Not -BeNullOrEmpty
        Test-BehaviorRule $dir -Quiet | Should -BeFalse
        (Test-BehaviorRule $dir | Format-Table | Out-String -Width 200) | Should -Match 'Loaded\s+Matches\s+Tactic\s+File'
    }
}
