#Requires -Version 5.1
<#
.SYNOPSIS
    Intune remediation, remediation script: puts BehaviorBlocking's protection in the state the detection script checks.
.DESCRIPTION
    Written for Windows PowerShell 5.1 (run by Intune as SYSTEM, 64-bit). Sets the policy in force to the wanted
    mode (non-interactively: -Force answers the Block confirmation, -Confirm:$false the ShouldProcess one) and, on
    Windows, installs the always-on service when it is missing. Each change is recorded by the product (the
    policy's audit trail names the account). Exit code 0 when the device is now compliant, 1 when a step failed;
    the last line of standard output says what was done or what failed.
.PARAMETER Mode
    The policy mode the organisation wants: Block (default) or Audit.
.PARAMETER ExecutablePath
    The behaviorblock program the service runs, when it is not on PATH.
.PARAMETER SkipService
    Do not install the service (devices protected by another always-on monitor).
#>
[CmdletBinding()]
param(
    [ValidateSet('Audit', 'Block')]
    [string] $Mode = 'Block',
    [string] $ExecutablePath,
    [switch] $SkipService
)

$ErrorActionPreference = 'Stop'
$onWindows = [System.Environment]::OSVersion.Platform -eq [System.PlatformID]::Win32NT
$done = New-Object System.Collections.Generic.List[string]

try {
    Import-Module BehaviorBlocking -ErrorAction Stop

    $policy = Get-BlockingPolicy
    if ([string] $policy.Mode -ne $Mode) {
        Set-BlockingPolicy -Mode $Mode -Force -Confirm:$false
        $done.Add("policy mode $($policy.Mode) -> $Mode")
    }

    if ($onWindows -and -not $SkipService) {
        $service = Get-BehaviorService
        if (-not $service.Installed) {
            $arguments = @{ Mode = $Mode; Confirm = $false }
            if ($ExecutablePath) { $arguments['ExecutablePath'] = $ExecutablePath }
            Install-BehaviorService @arguments
            $done.Add("service installed ($Mode)")
        }
    }
}
catch {
    # One line: Intune shows the last line of output.
    Write-Output ("Remediation failed: " + $_.FullyQualifiedErrorId + ": " + ($_.Exception.Message -replace '\s+', ' '))
    exit 1
}

if ($done.Count -eq 0) {
    Write-Output 'Nothing to remediate'
}
else {
    Write-Output ('Remediated: ' + ($done -join '; '))
}
exit 0
