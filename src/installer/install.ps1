# wheelbarrow bundle installer for Windows (PowerShell 5.1+): picks a python that fits the
# bundle's target and runs install.py with it, passing every other argument through.
#
#   .\install.ps1 [DEST] [--python PATH | --system-python] [--check] [--no-compile] [--repair] [--json]
#
# (-Python PATH and -SystemPython are the same options, spelled the PowerShell way.)
# The python is --python PATH if given; otherwise the choice made at the end of this script. When the bundle embeds
# an interpreter (manifest.json "python": python/<archive>.tar.gz), that one: its sha256 is checked
# with Get-FileHash against the manifest, it is unpacked with tar.exe (Windows 10 1803 and later
# ship it) once beside DEST into .<DEST name>.python\<sha256 prefix>\ (reused by later installs of
# the same interpreter; a --check run unpacks into a temp dir it removes) and the venv is made from
# it; --system-python prefers a fitting python on the machine and falls back to the embedded one.
# Otherwise the py launcher's `py -3.X` (X from manifest.json's target.python), then python.exe /
# python3.exe on PATH whose version is 3.X. install.py then checks the rest (patch version, arch,
# wheel tags) and explains any mismatch. This is the same logic as install.sh.
# Arguments are read from $args (no param block) so that --repair etc. reach install.py untouched.
# With --json, the errors below are also printed as install.py's JSON error object on stdout.

$ErrorActionPreference = 'Stop'
$here = Split-Path -Parent $MyInvocation.MyCommand.Path
$manifestPath = Join-Path $here 'manifest.json'
$asJson = $args -contains '--json'
$damaged = 'the bundle was damaged or altered after it was built: copy it again from its source'
# A temp dir to remove before exiting (the interpreter unpacked for --check).
$script:cleanup = $null

function Remove-Cleanup {
    if ($script:cleanup -and (Test-Path -LiteralPath $script:cleanup)) {
        Remove-Item -LiteralPath $script:cleanup -Recurse -Force -ErrorAction SilentlyContinue
    }
    $script:cleanup = $null
}

function Fail([string]$code, [string]$message, [string[]]$hints = @()) {
    Remove-Cleanup
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
    Fail 'E_BUNDLE' "manifest.json is not valid JSON" @($damaged)
}
if (-not $manifest.target -or -not $manifest.target.python) {
    Fail 'E_BUNDLE' 'manifest.json has no target.python' @($damaged)
}
$want = (([string]$manifest.target.python) -split '\.')[0..1] -join '.'

# Take --python PATH / --python=PATH / -Python PATH and --system-python / -SystemPython out of the
# arguments; keep the rest in order. (-eq and StartsWith(..., 'OrdinalIgnoreCase') ignore case.)
$python = $null
$systemPython = $false
$rest = @()
for ($i = 0; $i -lt $args.Count; $i++) {
    $arg = [string]$args[$i]
    if ($arg -eq '--python' -or $arg -eq '-Python') {
        if ($i + 1 -ge $args.Count) {
            Fail 'E_USAGE' '--python needs a path' @('usage: .\install.ps1 [DEST] [--python PATH | --system-python] [--check] [--no-compile] [--repair] [--json]')
        }
        $i++
        $python = [string]$args[$i]
    } elseif ($arg.StartsWith('--python=', [System.StringComparison]::OrdinalIgnoreCase)) {
        $python = $arg.Substring(9)
    } elseif ($arg -eq '--system-python' -or $arg -eq '-SystemPython') {
        $systemPython = $true
    } else {
        $rest += $arg
    }
}
$check = $rest -contains '--check'

# The embedded interpreter, from manifest.json's "python" object.
$embedded = $null
if ($null -ne $manifest.python) {
    $embedded = [string]$manifest.python.path
    $embeddedSha = ([string]$manifest.python.sha256)
    $embeddedSize = $manifest.python.size
    if ($embedded -notmatch '^python/[^/\\"]+\.tar\.gz$' -or $embeddedSha -cnotmatch '^[0-9a-f]{64}$') {
        Fail 'E_BUNDLE' "manifest.json's python entry is malformed" @($damaged)
    }
}

# tar.exe: Windows' own (bsdtar) first. A GNU tar earlier on PATH (Git for Windows) would read
# "C:\..." as a remote host name.
function Find-Tar {
    if ($env:SystemRoot) {
        $own = Join-Path $env:SystemRoot 'System32\tar.exe'
        if (Test-Path -LiteralPath $own -PathType Leaf) { return $own }
    }
    $found = Get-Command 'tar.exe' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($found) { return $found.Source }
    Fail 'E_INSTALL' 'no tar.exe on this machine to unpack the embedded interpreter (Windows 10 1803 and later ship it)' @(
        "or name a python: .\install.ps1 --python C:\path\to\python$want\python.exe")
}

# Use-Embedded: unpacks (or reuses) the embedded interpreter and returns its python.exe.
function Use-Embedded([string[]]$installArgs) {
    $archive = Join-Path $here ($embedded -replace '/', '\')
    if (-not (Test-Path -LiteralPath $archive -PathType Leaf)) {
        Fail 'E_BUNDLE' "$embedded is missing from the bundle" @($damaged)
    }
    # DEST: the first argument that is not an option (install.py's default is .\<app name>).
    $dest = $null
    foreach ($a in $installArgs) {
        if (-not $a.StartsWith('-')) { $dest = $a; break }
    }
    if (-not $dest) {
        $dest = [string]$manifest.app.name
        if (-not $dest) { Fail 'E_BUNDLE' 'manifest.json has no app.name' @($damaged) }
    }
    $trimmed = $dest.TrimEnd('\', '/')
    if ($trimmed) { $dest = $trimmed }
    $parent = Split-Path -Parent $dest
    if (-not $parent) { $parent = '.' }
    $base = Split-Path -Leaf $dest
    if ($check) {
        $pyHome = Join-Path ([System.IO.Path]::GetTempPath()) ('wheelbarrow-python.' + [System.IO.Path]::GetRandomFileName())
        New-Item -ItemType Directory -Path $pyHome | Out-Null
        $script:cleanup = $pyHome
    } else {
        if (-not (Test-Path -LiteralPath $parent -PathType Container)) {
            Fail 'E_INSTALL' "the parent directory $parent of DEST does not exist" @("create it first: New-Item -ItemType Directory $parent")
        }
        # Absolute: the venv records its base interpreter's path.
        $parent = (Resolve-Path -LiteralPath $parent).ProviderPath
        $pyHome = Join-Path (Join-Path $parent ".$base.python") $embeddedSha.Substring(0, 16)
    }
    $marker = Join-Path $pyHome '.wheelbarrow-sha256'
    $have = $null
    if (Test-Path -LiteralPath $marker -PathType Leaf) { $have = (Get-Content -Raw -LiteralPath $marker).Trim() }
    if ($have -cne $embeddedSha) {
        $found = (Get-FileHash -Algorithm SHA256 -LiteralPath $archive).Hash.ToLowerInvariant()
        if ($found -cne $embeddedSha) {
            Fail 'E_BUNDLE' "$embedded does not match manifest.json (sha256 expected $embeddedSha, found $found)" @($damaged)
        }
        $size = (Get-Item -LiteralPath $archive).Length
        if ($null -ne $embeddedSize -and $size -ne [long]$embeddedSize) {
            Fail 'E_BUNDLE' "$embedded does not match manifest.json (expected $embeddedSize bytes, found $size)" @($damaged)
        }
        $tar = Find-Tar
        $tmp = "$pyHome.tmp-$PID"
        if (Test-Path -LiteralPath $tmp) { Remove-Item -LiteralPath $tmp -Recurse -Force }
        New-Item -ItemType Directory -Path $tmp | Out-Null
        $ErrorActionPreference = 'Continue'
        & $tar -xzf $archive -C $tmp | Out-Null
        $tarCode = $LASTEXITCODE
        $ErrorActionPreference = 'Stop'
        if ($tarCode -ne 0) {
            Remove-Item -LiteralPath $tmp -Recurse -Force -ErrorAction SilentlyContinue
            Fail 'E_INSTALL' "cannot unpack $embedded into $tmp (tar.exe exit $tarCode)" @('free space on that drive, or choose another DEST')
        }
        Set-Content -LiteralPath (Join-Path $tmp '.wheelbarrow-sha256') -Value $embeddedSha -Encoding Ascii
        try {
            if (Test-Path -LiteralPath $pyHome) { Remove-Item -LiteralPath $pyHome -Recurse -Force }
            $homeParent = Split-Path -Parent $pyHome
            if (-not (Test-Path -LiteralPath $homeParent)) { New-Item -ItemType Directory -Path $homeParent | Out-Null }
            Move-Item -LiteralPath $tmp -Destination $pyHome
        } catch {
            Fail 'E_INSTALL' "cannot move the interpreter into ${pyHome}: $($_.Exception.Message)"
        }
        if ($check) { $script:cleanup = $pyHome }
    }
    $exe = Join-Path $pyHome 'python\python.exe'
    if (-not (Test-Path -LiteralPath $exe -PathType Leaf)) { $exe = Join-Path $pyHome 'python\bin\python3' }
    $ErrorActionPreference = 'Continue'
    try {
        & $exe -c 'pass' 2>$null | Out-Null
        $runs = ($LASTEXITCODE -eq 0)
    } catch {
        $runs = $false
    }
    $ErrorActionPreference = 'Stop'
    if (-not $runs) {
        Fail 'E_TARGET_MISMATCH' "the embedded interpreter ($embedded) does not run on this machine" @(
            "or name a python here: .\install.ps1 --python C:\path\to\python$want\python.exe")
    }
    return $exe
}

# Find-SystemPython: the first fitting python on the machine, as @(exe, args...), or $null.
$script:seen = @()
function Find-SystemPython {
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
    foreach ($candidate in $candidates) {
        $exe = $candidate[0]
        $pre = @($candidate | Select-Object -Skip 1)
        try {
            $version = (& $exe @pre -c $probe 2>$null | Out-String).Trim()
        } catch {
            continue
        }
        if ($LASTEXITCODE -ne 0 -or -not $version) { continue }
        $script:seen += "$($candidate -join ' ') is $version"
        if ($version -eq $want) { return , $candidate }
    }
    return $null
}

# Run install.py with the chosen python and exit with its code (removing a --check temp dir first).
function Invoke-Install([string]$exe, [string[]]$pre, [string[]]$installArgs) {
    $installPy = Join-Path $here 'install.py'
    # From here on install.py reports its own errors; its stderr must not stop this script.
    $ErrorActionPreference = 'Continue'
    & $exe @pre $installPy @installArgs
    $code = $LASTEXITCODE
    Remove-Cleanup
    exit $code
}

if ($python) {
    if (-not (Test-Path -LiteralPath $python -PathType Leaf)) {
        $found = Get-Command $python -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if (-not $found) { Fail 'E_USAGE' "--python $python is not an executable file" }
        $python = $found.Source
    }
    Invoke-Install $python @() $rest
}

# The one place that decides: the embedded interpreter first (unless
# --system-python), then the machine's; the embedded one again if the machine has none.
if ($embedded -and -not $systemPython) {
    Invoke-Install (Use-Embedded $rest) @() $rest
}
$system = Find-SystemPython
if ($system) {
    Invoke-Install $system[0] @($system | Select-Object -Skip 1) $rest
}
if ($embedded) {
    Invoke-Install (Use-Embedded $rest) @() $rest
}

$hints = @("install Python $want from python.org (it brings the py launcher), then run .\install.ps1 again",
    "or name one: .\install.ps1 --python C:\path\to\python.exe")
if ($script:seen.Count -gt 0) {
    Fail 'E_TARGET_MISMATCH' ("no python $want found: " + ($script:seen -join ', ')) $hints
}
Fail 'E_TARGET_MISMATCH' "no python found (looked for py -$want, python.exe, python3.exe)" $hints
