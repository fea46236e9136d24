@{
    RootModule             = 'BehaviorBlocking.dll'
    ModuleVersion          = '0.1.0'
    CompatiblePSEditions   = @('Desktop', 'Core')
    GUID                   = '5b0d7c1e-3f8a-4e62-9b7d-2c4a6e8f1a30'
    Author                 = 'BehaviorBlocking contributors'
    CompanyName            = 'BehaviorBlocking'
    Copyright              = '(c) BehaviorBlocking contributors'
    Description            = 'Behavioral blocking and containment for endpoints: watches process behavior, classifies it by ATT&CK tactic, and audits or blocks it by policy.'
    PowerShellVersion      = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess       = @('BehaviorBlocking.format.ps1xml')
    TypesToProcess         = @()
    CmdletsToExport        = @(
        # Monitor
        'Start-BehaviorMonitor', 'Stop-BehaviorMonitor', 'Get-BehaviorMonitor',
        # Detections and blocking
        'Get-BehaviorDetection', 'Invoke-BehaviorBlock',
        # Policy and exclusions
        'Get-BlockingPolicy', 'Set-BlockingPolicy', 'Test-BlockingPolicy', 'Get-BlockingPolicyHistory',
        'Get-BlockingExclusion', 'Add-BlockingExclusion', 'Remove-BlockingExclusion',
        # Quarantine, indicators and remediation
        'Get-BehaviorQuarantine', 'Restore-BehaviorQuarantine',
        'Get-BehaviorIndicator', 'Add-BehaviorIndicator', 'Remove-BehaviorIndicator', 'Import-BehaviorIndicator',
        'Get-BehaviorRemediation', 'Undo-BehaviorRemediation',
        # Rules, model and service
        'Get-BehaviorRule', 'Test-BehaviorRule',
        'Get-BehaviorModel', 'Test-BehaviorModel', 'Install-BehaviorModel',
        'Get-BehaviorService', 'Install-BehaviorService', 'Uninstall-BehaviorService'
    )
    FunctionsToExport      = @()
    AliasesToExport        = @()
    VariablesToExport      = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('Security', 'EDR', 'BehaviorBlocking', 'MITRE', 'ATTACK', 'Sysmon', 'ETW', 'Windows', 'Linux', 'PSEdition_Desktop', 'PSEdition_Core')
            ReleaseNotes = 'Engine foundation: telemetry replay, event model, process graph, detection store.'
        }
    }
}
