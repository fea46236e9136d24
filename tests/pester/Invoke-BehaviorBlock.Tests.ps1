BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

Describe 'Invoke-BehaviorBlock' {
    Context 'with the sample replayed into the store' {
        BeforeAll {
            New-TestProductHome | Out-Null
            Add-SampleDetection
            $script:Stored = @(Get-BehaviorDetection)
        }

        It 'with -WhatIf reports each piped detection and changes no stored action' {
            $results = @(Get-BehaviorDetection | Invoke-BehaviorBlock -Action KillTree -WhatIf)
            $results.Count | Should -Be $Stored.Count
            $results | ForEach-Object { $_ | Should -BeOfType ([BehaviorBlocking.Engine.BlockResult]); $_.WhatIf | Should -BeTrue; $_.Recorded | Should -BeFalse }
            (@(Get-BehaviorDetection) | ForEach-Object { $_.Actions.Count }) -join ',' | Should -Be (($Stored | ForEach-Object { $_.Actions.Count }) -join ',')
        }

        It 'binds a deserialized detection by its Id property' {
            $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($Stored[0]))
            $copy | Should -Not -BeOfType ([BehaviorBlocking.Detections.Detection])
            $result = $copy | Invoke-BehaviorBlock -Action Suspend -WhatIf
            $result.Detection.Id | Should -Be $Stored[0].Id
        }

        It 'writes DetectionNotFound for an unknown id and still blocks the others' {
            $missing = [guid]::NewGuid()
            $results = @(Invoke-BehaviorBlock -Id $missing, $Stored[0].Id -Action KillTree -WhatIf -ErrorVariable failures -ErrorAction SilentlyContinue)
            $results.Count | Should -Be 1
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'DetectionNotFound,BehaviorBlocking.Commands.InvokeBehaviorBlockCommand'
        }

        It 'formats its result as a table with target and steps' {
            $text = Get-BehaviorDetection | Select-Object -First 1 | Invoke-BehaviorBlock -Action KillTree -WhatIf | Format-Table | Out-String -Width 200
            $text | Should -Match 'Succeeded'
            $text | Should -Match 'Target'
            $text | Should -Match 'KillTree:'
            $text | Should -Match 'detection '
            $result = Get-BehaviorDetection | Select-Object -First 1 | Invoke-BehaviorBlock -Action KillTree -WhatIf
            $steps = $result.Steps | Format-Table | Out-String -Width 200
            foreach ($column in 'Kind', 'Outcome', 'Target', 'Actor', 'Detail') { $steps | Should -Match $column }
            ($result | Format-List | Out-String -Width 200) | Should -Match 'DetectionId'
            ($result.Detection.Evidence | Format-Table | Out-String -Width 200) | Should -Match 'Description'
        }
    }

    It 'kills a process tree the test started, and -WhatIf leaves one running' {
        New-TestProductHome | Out-Null
        $proc = Start-Process -FilePath sh -ArgumentList '-c', '"sleep 300 & wait"' -PassThru
        try {
            $what = Invoke-BehaviorBlock -ProcessId $proc.Id -WhatIf
            $what.Target | Should -Match "^PID $($proc.Id) \(\w+\)$"
            $what.Steps[0].Outcome | Should -Be 'WhatIf'
            $proc.HasExited | Should -BeFalse

            $done = Invoke-BehaviorBlock -ProcessId $proc.Id -Confirm:$false
            $done.Succeeded | Should -BeTrue
            $proc.WaitForExit(10000) | Should -BeTrue
        }
        finally {
            if (-not $proc.HasExited) { $proc.Kill($true) }
        }
    }

    It 'writes InvalidArgument for a malformed hash' {
        New-TestProductHome | Out-Null
        @(Invoke-BehaviorBlock -Sha256 'not-a-hash' -WhatIf -ErrorVariable failures -ErrorAction SilentlyContinue).Count | Should -Be 0
        $failures[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,BehaviorBlocking.Commands.InvokeBehaviorBlockCommand'
    }
}
