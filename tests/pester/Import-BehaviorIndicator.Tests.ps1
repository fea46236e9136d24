BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Import-BehaviorIndicator' {
    BeforeEach { New-TestProductHome | Out-Null }

    It 'imports a feed whole and reports the count' {
        $feed = Join-Path $TestDrive 'feed.jsonl'
        Set-Content $feed @(
            '{"sha256": "' + ('D' * 64) + '", "verdict": "block", "comment": "C2 implant"}'
            '{"path": "/opt/tools/agent", "verdict": "allow"}')
        $result = Get-Item $feed | Import-BehaviorIndicator -Confirm:$false
        $result.Count | Should -Be 2
        @(Get-BehaviorIndicator | Where-Object Source -EQ Feed).Count | Should -Be 2
        ($result | Format-Table | Out-String) | Should -Match 'Count\s+Kept'
    }

    It 'rejects a feed with one bad entry, naming its line, and imports nothing' {
        $feed = Join-Path $TestDrive 'bad.jsonl'
        Set-Content $feed @(('{"sha256": "' + ('E' * 64) + '", "verdict": "block"}'), '{"sha256": "nothex", "verdict": "block"}')
        Import-BehaviorIndicator $feed -Confirm:$false -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'IndicatorFeedInvalid,*'
        "$($failure[0])" | Should -Match 'line 2'
        @(Get-BehaviorIndicator).Count | Should -Be 0
    }
}
