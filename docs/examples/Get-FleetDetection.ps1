#Requires -Version 5.1
<#
.SYNOPSIS
    Gathers BehaviorBlocking detections from several computers into one table, over PowerShell remoting.
.DESCRIPTION
    Runs Get-BehaviorDetection on each computer with Invoke-Command (WinRM, or SSH with -HostName on PowerShell 7)
    and writes one object per detection with the computer it came from. Computers that cannot be reached, or
    where the module is missing, are reported as warnings at the end and do not stop the others. The objects are
    deserialized detections (property bags): to act on one, send its Id back to the computer it came from, e.g.
      Invoke-Command -ComputerName WS042 { Get-BehaviorDetection -Id $using:id | Invoke-BehaviorBlock }
.EXAMPLE
    ./Get-FleetDetection.ps1 -ComputerName (Get-Content computers.txt) -Since (Get-Date).AddDays(-7) |
        Sort-Object LastSeen -Descending | Format-Table PSComputerName, LastSeen, Severity, Action, Name, Image
.EXAMPLE
    ./Get-FleetDetection.ps1 -ComputerName WS01, WS02 -Tactic CredentialAccess | Group-Object PSComputerName
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string[]] $ComputerName,
    [datetime] $Since = (Get-Date).AddDays(-1),
    [string[]] $Tactic,
    [pscredential] $Credential,
    [int] $ThrottleLimit = 32
)

$remote = @{
    ComputerName  = $ComputerName
    ThrottleLimit = $ThrottleLimit
    ErrorAction   = 'SilentlyContinue'
    ErrorVariable = 'unreachable'
    ArgumentList  = @($Since, $Tactic)
    ScriptBlock   = {
        param($Since, $Tactic)
        Import-Module BehaviorBlocking -ErrorAction Stop
        $query = @{ Since = $Since }
        if ($Tactic) { $query['Tactic'] = $Tactic }
        Get-BehaviorDetection @query
    }
}
if ($Credential) { $remote['Credential'] = $Credential }

Invoke-Command @remote | Select-Object PSComputerName, LastSeen, Severity, Action, Name, Tactic, ProcessId, Image, CommandLine, Id

foreach ($failure in $unreachable) {
    Write-Warning ("{0}: {1}" -f $failure.TargetObject, $failure.Exception.Message)
}
