# Shared by the Pester tests: buckets on the test moto, generated trees, file comparisons.
Set-StrictMode -Version Latest
$script:Repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:Generator = Join-Path $script:Repo '../shared/bench/gen-experiments.py'
Import-Module (Join-Path $script:Repo 'tools/BuildTools.psm1') -Force

function Get-TestEndpoint {
    if (-not $env:R2SYNC_TEST_ENDPOINT) { throw 'R2SYNC_TEST_ENDPOINT is not set: run the suite through build.ps1 -Task Test.' }
    $env:R2SYNC_TEST_ENDPOINT
}

function New-TestBucket {
    # A fresh bucket on the test moto; returns its name.
    param([string] $Stem = 'p', [string] $Endpoint = (Get-TestEndpoint))
    $name = ("$Stem-" + [guid]::NewGuid().ToString('N').Substring(0, 12)).ToLowerInvariant()
    New-MotoBucket -Endpoint $Endpoint -Name $name
    $name
}

function Set-TestCredential {
    # Points the R2_* variables at the test moto and a bucket (what a user's .env or CI variables do).
    param([Parameter(Mandatory)][string] $Bucket, [string] $Endpoint = (Get-TestEndpoint))
    $env:R2_ENDPOINT = $Endpoint
    $env:R2_BUCKET_NAME = $Bucket
    $env:R2_ACCESS_KEY_ID = 'pester-key'
    $env:R2_SECRET_ACCESS_KEY = 'pester-secret-DO-NOT-PRINT'
}

function Clear-TestCredential {
    foreach ($n in 'R2_ENDPOINT', 'R2_BUCKET_NAME', 'R2_ACCESS_KEY_ID', 'R2_SECRET_ACCESS_KEY', 'R2_PREFIX') { Remove-Item "Env:$n" -ErrorAction SilentlyContinue }
}

function New-TestTree {
    # Generates an experiments tree with gen-experiments.py; returns the experiments folder.
    param([int] $Files = 200, [int] $Seed = 0, [string] $Root = (Join-Path ([IO.Path]::GetTempPath()) ("r2t-" + [guid]::NewGuid().ToString('N').Substring(0, 10))))
    New-Item -ItemType Directory -Path $Root -Force | Out-Null
    $out = & python3 $script:Generator --root $Root --files $Files --seed $Seed
    if ($LASTEXITCODE -ne 0) { throw "gen-experiments.py failed: $out" }
    Join-Path $Root 'experiments'
}

function Invoke-TreeMutation {
    param([Parameter(Mandatory)][string] $Experiments, [double] $Fraction = 0.05, [int] $Seed = 1)
    $root = Split-Path $Experiments -Parent
    $out = & python3 $script:Generator --root $root --mutate $Fraction --seed $Seed
    if ($LASTEXITCODE -ne 0) { throw "gen-experiments.py --mutate failed: $out" }
}

function Get-TreeFiles {
    # Relative path (with '/') → MD5 hex of every file under a folder.
    param([Parameter(Mandatory)][string] $Path)
    $h = @{}
    if (-not (Test-Path $Path)) { return $h }
    $base = (Resolve-Path $Path).Path.TrimEnd('/') + '/'
    foreach ($f in Get-ChildItem $Path -Recurse -File -Force) {
        $rel = $f.FullName.Substring($base.Length).Replace('\', '/')
        $h[$rel] = (Get-FileHash -Algorithm MD5 -LiteralPath $f.FullName).Hash.ToLowerInvariant()
    }
    $h
}

function Test-IsExcludedPath {
    # R2Sync's default excludes (the group's rclone filters plus Python caches and .DS_Store), written out
    # independently of the engine so the tests check it rather than repeat it.
    param([string] $Rel)
    $parts = $Rel.Split('/')
    $name = $parts[-1]
    if ($name -eq '.DS_Store' -or $name.EndsWith('.pyc') -or ($parts -contains '__pycache__')) { return $true }
    $dirs = $parts[0..($parts.Length - 2)]
    if ($parts.Length -lt 2) { $dirs = @() }
    if ($dirs -contains 'activations' -or $dirs -contains 'val_activations') { return $true }
    for ($i = 0; $i -lt $dirs.Length - 1; $i++) { if ($dirs[$i] -eq 'inference' -and $dirs[$i + 1] -eq 'raw') { return $true } }
    $false
}

function Get-BucketKeys {
    # Every key (and its size) in a bucket under a prefix, read with the engine-independent S3 REST API (moto).
    param([Parameter(Mandatory)][string] $Bucket, [string] $Prefix = '', [string] $Endpoint = (Get-TestEndpoint))
    $keys = @{}
    $token = $null
    do {
        $uri = "$Endpoint/$Bucket`?list-type=2&max-keys=1000&prefix=$([uri]::EscapeDataString($Prefix))"
        if ($token) { $uri += "&continuation-token=$([uri]::EscapeDataString($token))" }
        [xml] $x = (Invoke-WebRequest -Uri $uri -TimeoutSec 60).Content
        $ns = @{ s = 'http://s3.amazonaws.com/doc/2006-03-01/' }
        foreach ($c in (Select-Xml -Xml $x -XPath '//s:Contents' -Namespace $ns)) {
            $keys[$c.Node.Key] = [long]$c.Node.Size
        }
        $trunc = (Select-Xml -Xml $x -XPath '//s:IsTruncated' -Namespace $ns).Node.InnerText
        $token = if ($trunc -eq 'true') { (Select-Xml -Xml $x -XPath '//s:NextContinuationToken' -Namespace $ns).Node.InnerText } else { $null }
    } while ($token)
    $keys
}

$script:S3Dump = Join-Path $script:Repo 'tests/tools/s3dump.py'

function Save-BucketTree {
    # Downloads every object under a prefix with boto3 (not R2Sync) into -Destination; returns the folder.
    param([Parameter(Mandatory)][string] $Bucket, [string] $Prefix = 'experiments/', [Parameter(Mandatory)][string] $Destination,
        [string] $Endpoint = (Get-TestEndpoint))
    $null = & python3 $script:S3Dump --endpoint $Endpoint --bucket $Bucket --prefix $Prefix --dest $Destination
    if ($LASTEXITCODE -ne 0) { throw "s3dump.py failed for $Bucket/$Prefix" }
    $Destination
}

function Get-BucketObjectInfo {
    # key → @{ size; etag; metadata } for every object under a prefix, read with boto3.
    param([Parameter(Mandatory)][string] $Bucket, [string] $Prefix = '', [string] $Endpoint = (Get-TestEndpoint))
    $json = & python3 $script:S3Dump --endpoint $Endpoint --bucket $Bucket --prefix $Prefix --list
    if ($LASTEXITCODE -ne 0) { throw "s3dump.py --list failed for $Bucket/$Prefix" }
    $json | ConvertFrom-Json -AsHashtable
}

function Write-BucketObject {
    # Writes one object with boto3, as another tool would (optionally multipart, without md5chksum).
    param([Parameter(Mandatory)][string] $Bucket, [Parameter(Mandatory)][string] $Key, [Parameter(Mandatory)][string] $File,
        [int] $MultipartMB = 0, [hashtable] $Metadata = @{}, [string] $Endpoint = (Get-TestEndpoint))
    $a = @('--endpoint', $Endpoint, '--bucket', $Bucket, '--put', $Key, '--file', $File)
    if ($MultipartMB -gt 0) { $a += @('--multipart-mb', "$MultipartMB") }
    foreach ($k in $Metadata.Keys) { $a += @('--meta', "$k=$($Metadata[$k])") }
    & python3 $script:S3Dump @a
    if ($LASTEXITCODE -ne 0) { throw "s3dump.py --put failed for $Bucket/$Key" }
}

function New-RandomFile {
    # A file of -Size random bytes (seeded), written with an old modification time; returns its path.
    param([Parameter(Mandatory)][string] $Path, [Parameter(Mandatory)][long] $Size, [int] $Seed = 0)
    New-Item -ItemType Directory -Path (Split-Path $Path) -Force | Out-Null
    $bytes = [byte[]]::new($Size)
    [Random]::new($Seed).NextBytes($bytes)
    [IO.File]::WriteAllBytes($Path, $bytes)
    (Get-Item -LiteralPath $Path).LastWriteTimeUtc = [datetime]::new(2025, 6, 1, 12, 0, 0, [DateTimeKind]::Utc).AddTicks(1234567 + $Seed)
    $Path
}

function Set-TreeOld {
    # Gives every file of a tree a distinct modification time well in the past (freshly written files are not
    # kept in the hash cache, whose entries must outlive coarse file-system clocks).
    param([Parameter(Mandatory)][string] $Path)
    $t = [datetime]::new(2025, 1, 1, 0, 0, 0, [DateTimeKind]::Utc)
    $i = 0
    foreach ($f in Get-ChildItem $Path -Recurse -File -Force) { $f.LastWriteTimeUtc = $t.AddSeconds($i++).AddTicks(4321) }
}

function ConvertTo-Md5Base64 {
    param([Parameter(Mandatory)][string] $Hex)
    [Convert]::ToBase64String([Convert]::FromHexString($Hex))
}

function Invoke-CleanPwsh {
    # Runs a command in `pwsh -NoProfile -NonInteractive` with ONLY the given variables (plus PATH), stdin closed,
    # the module findable through PSModulePath (as an installed module is). Returns ExitCode, Out, Err.
    param([string] $Command, [hashtable] $Environment = @{}, [string] $WorkingDirectory = [IO.Path]::GetTempPath(),
        [string[]] $ArgumentList,
    # PSModulePath of the child: by default the folder holding the module under test (as if installed).
    [string] $PSModulePath = (Split-Path (Split-Path $env:R2SYNC_TEST_MODULE -Parent) -Parent))
    $psi = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
    $psi.ArgumentList.Add([System.Reflection.Assembly]::GetEntryAssembly().Location)
    foreach ($a in '-NoProfile', '-NonInteractive') { $psi.ArgumentList.Add($a) }
    if ($ArgumentList) { foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) } }
    else { $psi.ArgumentList.Add('-Command'); $psi.ArgumentList.Add($Command) }
    $psi.Environment.Clear()
    $psi.Environment['PATH'] = $env:PATH
    $psi.Environment['PSModulePath'] = $PSModulePath
    $psi.Environment['NO_COLOR'] = '1'
    $psi.Environment['DOTNET_CLI_TELEMETRY_OPTOUT'] = '1'
    $psi.Environment['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
    # The hash cache of a child run stays in the suite's throw-away folder, never in a real ~/.cache.
    if ($env:R2SYNC_CACHE_DIR) { $psi.Environment['R2SYNC_CACHE_DIR'] = $env:R2SYNC_CACHE_DIR }
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = [string]$Environment[$k] }
    $psi.WorkingDirectory = $WorkingDirectory
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $p = [Diagnostics.Process]::Start($psi)
    $p.StandardInput.Close()
    $out = $p.StandardOutput.ReadToEndAsync()
    $err = $p.StandardError.ReadToEndAsync()
    if (-not $p.WaitForExit(300000)) { $p.Kill($true); throw "child pwsh hung: $Command" }
    $p.WaitForExit()
    [pscustomobject]@{ ExitCode = $p.ExitCode; Out = $out.Result; Err = $err.Result }
}

Export-ModuleMember -Function *
