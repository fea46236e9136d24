BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Get-BlockingPolicy' {
    BeforeEach { $script:ProductHome = New-TestProductHome }

    It 'is the default Audit policy when there is no policy file' {
        $policy = Get-BlockingPolicy
        $policy | Should -BeOfType ([BehaviorBlocking.Policy.BlockingPolicyInfo])
        $policy.IsDefault | Should -BeTrue
        [string] $policy.Mode | Should -Be 'Audit'
        $policy.Path | Should -Be (Join-Path $ProductHome 'policy.json')
    }

    It 'describes a policy file: hash, version, mode, overrides and exclusions' {
        Set-Content (Join-Path $ProductHome 'policy.json') '{"schemaVersion": 1, "version": "v5", "mode": "Block", "tactics": {"Execution": {"threshold": 0.9}}, "exclusions": [{"image": "/opt/x/*", "justification": "x"}]}'
        $policy = Get-BlockingPolicy
        $policy.IsDefault | Should -BeFalse
        $policy.Sha256 | Should -Be (Get-FileHash (Join-Path $ProductHome 'policy.json')).Hash
        $policy.Version | Should -Be 'v5'
        $policy.Tactics[0].Key | Should -Be 'Execution'
        $policy.Exclusions[0].Condition | Should -Be 'image /opt/x/*'
    }

    It 'formats as a table and as a list' {
        $table = Get-BlockingPolicy | Format-Table | Out-String
        foreach ($column in 'Mode', 'Version', 'IsDefault', 'Exclusions', 'Path') { $table | Should -Match $column }
        Get-BlockingPolicy | Format-List | Out-String | Should -Match 'Defaults\s+: threshold 0.8, action KillTree'
    }
}
