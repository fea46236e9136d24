# Help and formatting of every exported cmdlet, read back from the installed module as a user sees them:
# Get-Help shows the synopsis, every parameter with its description, and the examples from docs/cmdlets;
# about_BehaviorBlocking is there; every type a cmdlet declares it writes has a view.

BeforeDiscovery {
    . $PSScriptRoot/TestSupport.ps1
    $script:Commands = @(Get-Command -Module BehaviorBlocking -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $script:Common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
}

Describe 'The module' {
    It 'exports the cmdlets its manifest lists, and nothing else' {
        $manifest = Import-PowerShellDataFile (Join-Path (Get-Module BehaviorBlocking).ModuleBase 'BehaviorBlocking.psd1')
        @((Get-Module BehaviorBlocking).ExportedCmdlets.Keys | Sort-Object) | Should -Be @($manifest.CmdletsToExport | Sort-Object)
        (Get-Module BehaviorBlocking).ExportedFunctions.Count | Should -Be 0
    }

    It 'has the about_BehaviorBlocking topic' {
        $help = Get-Help about_BehaviorBlocking
        "$help" | Should -Match 'Start-BehaviorMonitor'
        "$help" | Should -Match 'SHORT DESCRIPTION'
    }
}

Describe 'Help of <Name>' -ForEach $Commands {
    BeforeAll {
        $script:Help = Get-Help $Name -Full
        $script:Command = Get-Command $Name
    }

    It 'has a synopsis and a description from its help page' {
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        # Without MAML, Get-Help makes the synopsis from the syntax.
        $Help.Synopsis | Should -Not -BeLike "$Name *"
        ($Help.description.Text -join ' ') | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        foreach ($parameter in $Command.Parameters.Keys | Where-Object { $_ -notin $Common }) {
            $entry = @($Help.parameters.parameter | Where-Object name -EQ $parameter)
            $entry.Count | Should -Be 1 -Because "-$parameter of $Name must be in its help"
            ($entry[0].description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "-$parameter of $Name needs a description"
        }
    }

    It 'has at least two examples, one of them a pipeline' {
        @($Help.examples.example).Count | Should -BeGreaterOrEqual 2
        @($Help.examples.example | Where-Object { $_.code -match '\|' }).Count | Should -BeGreaterOrEqual 1
    }

    It 'has a view for every type it writes' {
        foreach ($type in $Command.OutputType.Type | Where-Object { $_ -and $_.Namespace -like 'BehaviorBlocking*' }) {
            Get-FormatData -TypeName $type.FullName | Should -Not -BeNullOrEmpty -Because "$Name writes $($type.FullName)"
        }
    }
}
