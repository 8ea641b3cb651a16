# Helpers of the mode and plan tests: the expected change sets are computed here from the before/after trees,
# independently of R2Sync's planner, and bucket state is read with the S3 REST API (not R2Sync).
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')

function Get-SyncedTree {
    # Relative path → @{ Md5; Size } of every file under a folder that the default excludes let through.
    param([Parameter(Mandatory)][string] $Path, [switch] $IncludeExcluded)
    $h = @{}
    if (-not (Test-Path $Path)) { return $h }
    $base = (Resolve-Path $Path).Path.TrimEnd('/') + '/'
    foreach ($f in Get-ChildItem $Path -Recurse -File -Force) {
        $rel = $f.FullName.Substring($base.Length).Replace('\', '/')
        if (-not $IncludeExcluded -and (Test-IsExcludedPath $rel)) { continue }
        $h[$rel] = [pscustomobject]@{ Md5 = (Get-FileHash -Algorithm MD5 -LiteralPath $f.FullName).Hash.ToLowerInvariant(); Size = $f.Length }
    }
    $h
}

function Get-ChangeSet {
    # The four change kinds between two trees (source before → source after), as sorted relative paths.
    param([Parameter(Mandatory)][hashtable] $Before, [Parameter(Mandatory)][hashtable] $After)
    $new = @($After.Keys | Where-Object { -not $Before.ContainsKey($_) })
    $deleted = @($Before.Keys | Where-Object { -not $After.ContainsKey($_) })
    $both = @($After.Keys | Where-Object { $Before.ContainsKey($_) })
    $size = @($both | Where-Object { $Before[$_].Size -ne $After[$_].Size })
    $same = @($both | Where-Object { $Before[$_].Size -eq $After[$_].Size -and $Before[$_].Md5 -ne $After[$_].Md5 })
    [pscustomobject]@{
        New             = @($new | Sort-Object)
        Deleted         = @($deleted | Sort-Object)
        SizeChanged     = @($size | Sort-Object)
        SameSizeChanged = @($same | Sort-Object)
    }
}

function Get-ExpectedActions {
    # The mode table, written out for one mode: which changed paths are transferred and which deleted.
    param([Parameter(Mandatory)][string] $Mode, [Parameter(Mandatory)] $Changes)
    $transfer = @($Changes.New)
    if ($Mode -ne 'Fast') { $transfer += $Changes.SizeChanged }
    if ($Mode -eq 'Checksum') { $transfer += $Changes.SameSizeChanged }
    $delete = if ($Mode -in 'Full', 'Checksum') { @($Changes.Deleted) } else { @() }
    [pscustomobject]@{ Transfer = @($transfer | Sort-Object); Delete = @($delete | Sort-Object) }
}

function Get-BucketEtags {
    # key → ETag (no quotes) under a prefix, read with the S3 REST API of the test moto.
    param([Parameter(Mandatory)][string] $Bucket, [string] $Prefix = '', [string] $Endpoint = (Get-TestEndpoint))
    $keys = @{}
    $token = $null
    $ns = @{ s = 'http://s3.amazonaws.com/doc/2006-03-01/' }
    do {
        $uri = "$Endpoint/$Bucket`?list-type=2&max-keys=1000&prefix=$([uri]::EscapeDataString($Prefix))"
        if ($token) { $uri += "&continuation-token=$([uri]::EscapeDataString($token))" }
        [xml] $x = (Invoke-WebRequest -Uri $uri -TimeoutSec 60).Content
        foreach ($c in (Select-Xml -Xml $x -XPath '//s:Contents' -Namespace $ns)) { $keys[$c.Node.Key] = $c.Node.ETag.Trim('"') }
        $trunc = (Select-Xml -Xml $x -XPath '//s:IsTruncated' -Namespace $ns).Node.InnerText
        $token = if ($trunc -eq 'true') { (Select-Xml -Xml $x -XPath '//s:NextContinuationToken' -Namespace $ns).Node.InnerText } else { $null }
    } while ($token)
    $keys
}

function Copy-Tree {
    # A copy of a folder that keeps modification times.
    param([Parameter(Mandatory)][string] $From, [Parameter(Mandatory)][string] $To)
    New-Item -ItemType Directory -Path (Split-Path $To -Parent) -Force | Out-Null
    & cp -a $From $To
    if ($LASTEXITCODE -ne 0) { throw "cp -a $From $To failed" }
    $To
}

function Select-ItemResult {
    # The per-action results of a -PassThru run (the summary is the object with Uploaded).
    param([Parameter(ValueFromPipeline)] $InputObject)
    process { if ($null -ne $InputObject -and $InputObject.PSObject.Properties['Attempts']) { $InputObject } }
}

function Select-Summary {
    param([Parameter(ValueFromPipeline)] $InputObject)
    process { if ($null -ne $InputObject -and $InputObject.PSObject.Properties['Uploaded']) { $InputObject } }
}

function Get-Paths {
    # Sorted RelativePath of the results or plan items with one Action.
    param([object[]] $Items, [string] $Action)
    @($Items | Where-Object { "$($_.Action)" -eq $Action } | ForEach-Object RelativePath | Sort-Object)
}

Export-ModuleMember -Function *
