# wheelbarrow bundle installer for Windows (PowerShell 5.1+): picks a python that fits the
# bundle's target and runs install.py with it, passing every argument through.
#
#   .\install.ps1 [DEST] [--python PATH] [--check] [--no-compile] [--repair] [--json]
#
# The python is --python PATH if given; otherwise the py launcher's `py -3.X` (X from
# manifest.json's target.python), then python.exe / python3.exe on PATH whose version is 3.X.
# install.py then checks the rest (patch version, arch, wheel tags) and explains any mismatch.
# Arguments are read from $args (no param block) so that --repair etc. reach install.py untouched.
# With --json, the errors below are also printed as install.py's JSON error object on stdout.

$ErrorActionPreference = 'Stop'
$here = Split-Path -Parent $MyInvocation.MyCommand.Path
$manifestPath = Join-Path $here 'manifest.json'
$asJson = $args -contains '--json'

function Fail([string]$code, [string]$message, [string[]]$hints = @()) {
    [Console]::Error.WriteLine("error[$code]: $message")
    foreach ($hint in $hints) { [Console]::Error.WriteLine("hint: $hint") }
    if ($asJson) {
        $err = [ordered]@{ code = $code; message = $message; hints = @($hints) }
        [Console]::Out.WriteLine((ConvertTo-Json -Compress -Depth 4 ([ordered]@{ ok = $false; error = $err })))
    }
    exit 1
}

if (-not (Test-Path -LiteralPath $manifestPath -PathType Leaf)) {
    Fail 'E_BUNDLE' "$here has no manifest.json" @('run install.ps1 from inside an unpacked wheelbarrow bundle')
}
try {
    $manifest = Get-Content -Raw -LiteralPath $manifestPath -Encoding UTF8 | ConvertFrom-Json
} catch {
    Fail 'E_BUNDLE' "manifest.json is not valid JSON" @('the bundle was damaged or altered after it was built: copy it again from its source')
}
$want = (([string]$manifest.target.python) -split '\.')[0..1] -join '.'

$python = $null
$rest = @()
for ($i = 0; $i -lt $args.Count; $i++) {
    $arg = [string]$args[$i]
    if ($arg -eq '--python') {
        if ($i + 1 -ge $args.Count) { Fail 'E_USAGE' '--python needs a path' }
        $i++
        $python = [string]$args[$i]
    } elseif ($arg.StartsWith('--python=')) {
        $python = $arg.Substring(9)
    } else {
        $rest += $arg
    }
}

$installPy = Join-Path $here 'install.py'
# From here on install.py reports its own errors; its stderr must not stop this script.
if ($python) {
    $ErrorActionPreference = 'Continue'
    if (-not (Test-Path -LiteralPath $python -PathType Leaf)) {
        $found = Get-Command $python -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if (-not $found) { Fail 'E_USAGE' "--python $python is not an executable file" }
        $python = $found.Source
    }
    & $python $installPy @rest
    exit $LASTEXITCODE
}

# Each candidate: an executable plus the arguments that select the interpreter.
$candidates = @()
if (Get-Command 'py' -CommandType Application -ErrorAction SilentlyContinue) {
    $candidates += , @('py', "-$want")
}
foreach ($name in @('python', 'python3')) {
    foreach ($cmd in @(Get-Command $name -CommandType Application -All -ErrorAction SilentlyContinue)) {
        # The Microsoft Store alias (WindowsApps\python.exe) opens the Store instead of running.
        if ($cmd.Source -notlike '*\WindowsApps\*') { $candidates += , @($cmd.Source) }
    }
}

$probe = 'import sys; print("%d.%d" % sys.version_info[:2])'
$seen = @()
foreach ($candidate in $candidates) {
    $exe = $candidate[0]
    $pre = @($candidate | Select-Object -Skip 1)
    try {
        $version = (& $exe @pre -c $probe 2>$null | Out-String).Trim()
    } catch {
        continue
    }
    if ($LASTEXITCODE -ne 0 -or -not $version) { continue }
    $seen += "$($candidate -join ' ') is $version"
    if ($version -eq $want) {
        $ErrorActionPreference = 'Continue'
        & $exe @pre $installPy @rest
        exit $LASTEXITCODE
    }
}

$hints = @("install Python $want from python.org (it brings the py launcher), then run .\install.ps1 again",
    "or name one: .\install.ps1 --python C:\path\to\python.exe")
if ($seen.Count -gt 0) {
    Fail 'E_TARGET_MISMATCH' ("no python $want found: " + ($seen -join ', ')) $hints
}
Fail 'E_TARGET_MISMATCH' "no python found (looked for py -$want, python.exe, python3.exe)" $hints
