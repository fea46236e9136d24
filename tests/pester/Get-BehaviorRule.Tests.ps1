BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    # One rule a YAML document: a file that pairs evidence rules with a correlation holds several.
    $files = Get-ChildItem (Join-Path (Get-Module BehaviorBlocking).ModuleBase 'rules') -Filter '*.yml' -Recurse
    $script:BuiltInCount = @($files | Select-String -Pattern '^id:' -CaseSensitive).Count
    $script:BuiltInCount | Should -BeGreaterOrEqual $files.Count
}

Describe 'Get-BehaviorRule' {
    It 'lists every rule of the built-in pack from the installed module, as typed objects' {
        $rules = @(Get-BehaviorRule)
        $rules.Count | Should -Be $BuiltInCount
        $rules[0] | Should -BeOfType ([BehaviorBlocking.Rules.SigmaRule])
        @($rules | Where-Object Product -EQ 'linux').Count | Should -BeGreaterThan 0
    }

    It 'filters by tactic and technique wildcard' {
        $rules = @(Get-BehaviorRule -Tactic CredentialAccess -Technique 'T1003*')
        $rules.Count | Should -BeGreaterThan 0
        $rules.Tactic | Sort-Object -Unique | Should -Be 'CredentialAccess'
    }

    It 'reports an unknown exact id as RuleNotFound and still returns the known ones' {
        $known = (Get-BehaviorRule | Select-Object -First 1).Id
        $rules = @(Get-BehaviorRule -Id $known, 'no-such-rule' -ErrorVariable failures -ErrorAction SilentlyContinue)
        $rules.Id | Should -Be $known
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'RuleNotFound,BehaviorBlocking.Commands.GetBehaviorRuleCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failures[0].TargetObject | Should -Be 'no-such-rule'
    }

    It 'warns about each rule of a directory that does not load and loads the others' {
        $dir = Join-Path $TestDrive 'my-rules'
        New-Item $dir -ItemType Directory -Force | Out-Null
        Set-Content (Join-Path $dir 'bad.yml') 'title: [unclosed'
        Copy-Item (Get-BehaviorRule | Select-Object -First 1).SourceFile (Join-Path $dir 'good.yml')
        $rules = @(Get-BehaviorRule -Path $dir -ExcludeBuiltIn -WarningVariable skipped -WarningAction SilentlyContinue)
        $rules.Count | Should -Be 1
        $skipped.Count | Should -Be 1
        "$($skipped[0])" | Should -BeLike '*bad.yml*'
    }

    It 'formats as a table with tactic, level, variant, techniques and title' {
        $text = Get-BehaviorRule -Tactic Execution | Select-Object -First 3 | Format-Table | Out-String -Width 200
        $text | Should -Match 'Tactic\s+Level\s+Variant\s+Techniques\s+Title'
        $text | Should -Match 'Execution'
    }
}
