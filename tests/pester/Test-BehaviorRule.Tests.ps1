BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $script:Stem = 'collection_clipboard_read_script'
    $script:Rule = Join-Path (Get-Module BehaviorBlocking).ModuleBase "rules/$Stem.yml"
    $script:MatchFixture = Join-Path $TestDataPath "rules/$Stem.match.jsonl"
    $script:BenignFixture = Join-Path $TestDataPath "rules/$Stem.benign.jsonl"
}

Describe 'Test-BehaviorRule' {
    It 'writes one result per rule file from Get-ChildItem, with the reason for a skipped one' {
        $dir = Join-Path $TestDrive 'rules'
        New-Item $dir -ItemType Directory -Force | Out-Null
        Copy-Item $Rule (Join-Path $dir 'good.yml')
        Set-Content (Join-Path $dir 'bad.yml') 'title: [unclosed'
        $results = @(Get-ChildItem $dir -Filter *.yml | Test-BehaviorRule)
        $results.Count | Should -Be 2
        $results[0] | Should -BeOfType ([BehaviorBlocking.Engine.RuleTestResult])
        ($results | Where-Object Status -EQ 'Skipped').File | Should -BeLike '*bad.yml'
        ($results | Where-Object Status -EQ 'Loaded').RuleId | Should -Not -BeNullOrEmpty
    }

    It 'fires on the match fixture and stays silent on the benign one' {
        (Test-BehaviorRule $Rule -RecordPath $MatchFixture).Matches | Should -BeGreaterThan 0
        (Test-BehaviorRule $Rule -RecordPath $BenignFixture).Matches | Should -Be 0
        Test-BehaviorRule $Rule -RecordPath $MatchFixture -Quiet | Should -BeTrue
        Test-BehaviorRule $Rule -RecordPath $BenignFixture -Quiet | Should -BeFalse
    }

    It 'formats as a table with status, matches, file, line, title and reason' {
        $text = Test-BehaviorRule $Rule -RecordPath $MatchFixture | Format-Table | Out-String -Width 250
        $text | Should -Match 'Status\s+Matches\s+File\s+Line\s+Title\s+Reason'
        $text | Should -Match "$Stem.yml"
    }
}
