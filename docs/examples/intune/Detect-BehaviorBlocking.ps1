#Requires -Version 5.1
<#
.SYNOPSIS
    Intune remediation, detection script: is this device protected by BehaviorBlocking as the organisation wants?
.DESCRIPTION
    Written for Windows PowerShell 5.1 (the engine Intune runs remediation scripts with, as SYSTEM, 64-bit).
    Exit code 0: compliant, nothing to do. Exit code 1: not compliant; Intune then runs the remediation script.
    The last line written to standard output is what the Intune portal shows for the device.

    The device is compliant when the module imports, the policy in force is in the wanted mode, and (on Windows)
    the always-on service is installed and running. Detections of the last day that were only audited are
    reported in the output line but do not make the device non-compliant: they are for an analyst, not a script.
.PARAMETER Mode
    The policy mode the organisation wants: Block (default) or Audit.
.PARAMETER SkipService
    Do not check the service (devices protected by another always-on monitor).
#>
[CmdletBinding()]
param(
    [ValidateSet('Audit', 'Block')]
    [string] $Mode = 'Block',
    [switch] $SkipService
)

$ErrorActionPreference = 'Stop'
$onWindows = [System.Environment]::OSVersion.Platform -eq [System.PlatformID]::Win32NT
$problems = New-Object System.Collections.Generic.List[string]

try {
    Import-Module BehaviorBlocking -ErrorAction Stop
}
catch {
    # One line: Intune shows the last line of output.
    Write-Output ("BehaviorBlocking is not installed or does not import: " + ($_.Exception.Message -replace '\s+', ' '))
    exit 1
}

try {
    $policy = Get-BlockingPolicy
    if ([string] $policy.Mode -ne $Mode) {
        $problems.Add("policy mode is $($policy.Mode), wanted $Mode")
    }
}
catch {
    $problems.Add("the policy in force cannot be read: $($_.FullyQualifiedErrorId)")
}

if ($onWindows -and -not $SkipService) {
    try {
        $service = Get-BehaviorService
        if (-not $service.Installed) {
            $problems.Add('the service is not installed')
        }
        elseif (-not $service.IsRunning) {
            $problems.Add('the service is not running')
        }
    }
    catch {
        $problems.Add("the service state cannot be read: $($_.FullyQualifiedErrorId)")
    }
}

$audited = 0
try {
    $audited = @(Get-BehaviorDetection -Since (Get-Date).AddDays(-1) -Action Audited -Severity High).Count
}
catch {
    # No store yet, or it cannot be read: nothing to report here; the monitor reports its own health.
    $audited = 0
}

if ($problems.Count -gt 0) {
    Write-Output ("Not compliant: " + ($problems -join '; ') + "; $audited high-severity detection(s) audited in 24 h")
    exit 1
}

Write-Output "Compliant: policy $Mode; $audited high-severity detection(s) audited in 24 h"
exit 0
