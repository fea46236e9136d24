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
    FormatsToProcess       = @()
    TypesToProcess         = @()
    CmdletsToExport        = @()
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
