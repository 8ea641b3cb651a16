#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds the module's help from Markdown: docs/<Cmdlet>.md → en-US/R2Sync.PowerShell.dll-Help.xml (MAML) and
    docs/about_R2Sync.md → en-US/about_R2Sync.help.txt. platyPS is not needed.
.DESCRIPTION
    Syntax, parameter types, positions and pipeline input come from the built cmdlets (imported in a separate
    runspace); synopsis, description, parameter descriptions, examples, inputs, outputs and notes come from the
    Markdown. A parameter a cmdlet page does not describe takes its text from docs/parameters.md (parameters
    shared by several cmdlets). A page for a cmdlet the module does not export (yet) is skipped with a note, as
    is a documented parameter the cmdlet does not have; an undocumented parameter gets no description (the
    Pester test Help.Tests.ps1 fails on it).

    Markdown shape (the platyPS layout): '# Name', then '## SYNOPSIS', '## DESCRIPTION', '## EXAMPLES' with
    '### Example N: title', a ```powershell block and remarks, '## PARAMETERS' with '### -Name' and text,
    '## INPUTS' / '## OUTPUTS' with '### TypeName' and text, '## NOTES', '## RELATED LINKS' (list items).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $ModuleOut,
    [string] $Docs = (Join-Path $PSScriptRoot '../docs')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Split-Sections([string[]] $Lines, [string] $Marker) {
    # Ordered name → lines for every heading that starts with $Marker ('## ' or '### '), outside code fences.
    $sections = [ordered]@{}
    $current = $null
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^```') { $inFence = -not $inFence }
        if (-not $inFence -and $line.StartsWith($Marker) -and -not $line.StartsWith($Marker + '#')) {
            $current = $line.Substring($Marker.Length).Trim()
            $sections[$current] = [System.Collections.Generic.List[string]]::new()
            continue
        }
        if ($null -ne $current) { $sections[$current].Add($line) }
    }
    $sections
}

function ConvertTo-Paragraphs([string[]] $Lines) {
    # Blank-line separated paragraphs; list items and indented lines keep their own line.
    $paras = [System.Collections.Generic.List[string]]::new()
    $buf = [System.Collections.Generic.List[string]]::new()
    foreach ($l in @($Lines) + '') {
        if ($l.Trim() -eq '') {
            if ($buf.Count) { $paras.Add(($buf -join "`n")); $buf.Clear() }
        }
        elseif ($l -match '^\s*([-*]|\d+\.)\s' -or $l -match '^\s{2,}' -or $l -match '^\|') { $buf.Add($l.TrimEnd()) }
        elseif ($buf.Count -and $buf[-1] -notmatch '^\s*([-*]|\d+\.)\s|^\s{2,}|^\|') { $buf[-1] = $buf[-1] + ' ' + $l.Trim() }
        else { $buf.Add($l.Trim()) }
    }
    , $paras.ToArray()
}

function Format-Text([string] $s) {
    # Markdown emphasis and code marks read badly in a console.
    $s = $s -replace '`([^`]+)`', '$1' -replace '\*\*([^*]+)\*\*', '$1'
    [System.Security.SecurityElement]::Escape($s)
}

function Paras([string[]] $Lines, [string] $Indent = '      ') {
    $p = ConvertTo-Paragraphs $Lines
    if (-not $p.Count) { return "$Indent<maml:para></maml:para>" }
    ($p | ForEach-Object { "$Indent<maml:para>$(Format-Text $_)</maml:para>" }) -join "`n"
}

function Read-ParameterDocs([string[]] $Lines) {
    $h = @{}
    $sections = Split-Sections $Lines '### '
    foreach ($k in $sections.Keys) { if ($k -match '^-(\w+)') { $h[$Matches[1]] = @($sections[$k]) } }
    $h
}

$common = @{}
$commonFile = Join-Path $Docs 'parameters.md'
if (Test-Path $commonFile) {
    $p = Split-Sections (Get-Content $commonFile) '## '
    if ($p.Contains('PARAMETERS')) { $common = Read-ParameterDocs $p['PARAMETERS'] }
}

# The cmdlets as built: imported in a separate runspace, so this process keeps no module state.
$manifest = Join-Path $ModuleOut 'R2Sync.psd1'
$ps = [powershell]::Create()
try {
    $null = $ps.AddScript('param($m) Import-Module $m -ErrorAction Stop; Get-Command -Module R2Sync -CommandType Cmdlet').AddArgument($manifest)
    $commands = @($ps.Invoke())
    if ($ps.HadErrors) { throw "Build-Help: importing $manifest failed: $($ps.Streams.Error[0])" }
}
finally { $ps.Dispose() }
$byName = @{}
foreach ($c in $commands) { $byName[$c.Name] = $c }

$commonNames = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters |
    Where-Object { $_ -notin 'WhatIf', 'Confirm' }

function Get-TypeName([type] $t) {
    if ($t -eq [System.Management.Automation.SwitchParameter]) { return 'SwitchParameter' }
    $name = $t.Name
    if ($t.IsArray) { $name = $t.GetElementType().Name + '[]' }
    $name
}

function Get-ParameterXml($cmd, [string] $name, $paramSetName, [hashtable] $docs, [string] $Indent) {
    $meta = $cmd.Parameters[$name]
    $attrs = @($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
    $set = if ($paramSetName) { $attrs | Where-Object { $_.ParameterSetName -in $paramSetName, '__AllParameterSets' } | Select-Object -First 1 } else { $attrs | Select-Object -First 1 }
    if (-not $set) { $set = $attrs | Select-Object -First 1 }
    $required = if ($set -and $set.Mandatory) { 'true' } else { 'false' }
    $position = if ($set -and $set.Position -ge 0) { "$($set.Position)" } else { 'named' }
    $pipe = @()
    if ($attrs | Where-Object ValueFromPipeline) { $pipe += 'ByValue' }
    if ($attrs | Where-Object ValueFromPipelineByPropertyName) { $pipe += 'ByPropertyName' }
    $pipeText = if ($pipe) { "True ($($pipe -join ', '))" } else { 'False' }
    $aliases = if ($meta.Aliases.Count) { $meta.Aliases -join ', ' } else { 'none' }
    $typeName = Get-TypeName $meta.ParameterType
    $isSwitch = $meta.ParameterType -eq [System.Management.Automation.SwitchParameter]
    $text = if ($docs.ContainsKey($name)) { $docs[$name] } elseif ($common.ContainsKey($name)) { $common[$name] } else { @() }
    $desc = Paras $text "$Indent    "
    $value = if ($isSwitch) { '' } else { "`n$Indent  <command:parameterValue required=`"true`" variableLength=`"false`">$typeName</command:parameterValue>" }
    $validValues = ''
    $enumType = if ($meta.ParameterType.IsArray) { $meta.ParameterType.GetElementType() } else { $meta.ParameterType }
    if ($enumType.IsEnum) {
        $validValues = "`n$Indent  <command:parameterValueGroup>" + (([enum]::GetNames($enumType) | ForEach-Object { "<command:parameterValue required=`"false`" variableLength=`"false`">$_</command:parameterValue>" }) -join '') + '</command:parameterValueGroup>'
    }
    @"
$Indent<command:parameter required="$required" variableLength="true" globbing="false" pipelineInput="$pipeText" position="$position" aliases="$aliases">
$Indent  <maml:name>$name</maml:name>
$Indent  <maml:description>
$desc
$Indent  </maml:description>$value$validValues
$Indent  <dev:type><maml:name>$typeName</maml:name><maml:uri /></dev:type>
$Indent  <dev:defaultValue>None</dev:defaultValue>
$Indent</command:parameter>
"@
}

$sb = [System.Text.StringBuilder]::new()
$null = $sb.AppendLine('<?xml version="1.0" encoding="utf-8"?>')
$null = $sb.AppendLine('<helpItems schema="maml" xmlns="http://msh">')
$documented = @()
foreach ($file in Get-ChildItem $Docs -Filter '*-*.md' | Sort-Object Name) {
    $lines = Get-Content $file.FullName
    $title = ($lines | Where-Object { $_ -match '^# \S' } | Select-Object -First 1)
    if (-not $title) { continue }
    $name = $title.Substring(2).Trim()
    if (-not $byName.ContainsKey($name)) {
        Write-Host "   help: skipping $($file.Name): the module has no cmdlet $name (yet)"
        continue
    }
    $cmd = $byName[$name]
    $s = Split-Sections $lines '## '
    $get = { param($k) if ($s.Contains($k)) { @($s[$k]) } else { @() } }
    $paramDocs = Read-ParameterDocs (& $get 'PARAMETERS')
    foreach ($p in $paramDocs.Keys) { if (-not $cmd.Parameters.ContainsKey($p)) { Write-Host "   help: ${name}: documented parameter -$p does not exist (skipped)" } }
    $paramNames = @($cmd.Parameters.Keys | Where-Object { $_ -notin $commonNames })

    $verb, $noun = $name.Split('-', 2)
    $null = $sb.AppendLine(@"
<command:command xmlns:maml="http://schemas.microsoft.com/maml/2004/10" xmlns:command="http://schemas.microsoft.com/maml/dev/command/2004/10" xmlns:dev="http://schemas.microsoft.com/maml/dev/2004/10" xmlns:MSHelp="http://msdn.microsoft.com/mshelp">
  <command:details>
    <command:name>$name</command:name>
    <command:verb>$verb</command:verb>
    <command:noun>$noun</command:noun>
    <maml:description>
$(Paras (& $get 'SYNOPSIS'))
    </maml:description>
  </command:details>
  <maml:description>
$(Paras (& $get 'DESCRIPTION') '    ')
  </maml:description>
  <command:syntax>
"@)
    foreach ($set in $cmd.ParameterSets) {
        $null = $sb.AppendLine("    <command:syntaxItem>`n      <maml:name>$name</maml:name>")
        foreach ($p in $set.Parameters | Where-Object { $_.Name -notin $commonNames } | Sort-Object { if ($_.Position -ge 0) { $_.Position } else { 1000 } }, { -not $_.IsMandatory }) {
            $null = $sb.AppendLine((Get-ParameterXml $cmd $p.Name $set.Name $paramDocs '      '))
        }
        $null = $sb.AppendLine('    </command:syntaxItem>')
    }
    $null = $sb.AppendLine("  </command:syntax>`n  <command:parameters>")
    foreach ($p in $paramNames | Sort-Object) { $null = $sb.AppendLine((Get-ParameterXml $cmd $p $null $paramDocs '    ')) }
    $null = $sb.AppendLine('  </command:parameters>')
    foreach ($pair in @(@('INPUTS', 'inputTypes', 'inputType'), @('OUTPUTS', 'returnValues', 'returnValue'))) {
        $io = Split-Sections (& $get $pair[0]) '### '
        $null = $sb.AppendLine("  <command:$($pair[1])>")
        foreach ($t in $io.Keys) {
            $null = $sb.AppendLine("    <command:$($pair[2])>`n      <dev:type><maml:name>$(Format-Text $t)</maml:name></dev:type>`n      <maml:description>`n$(Paras @($io[$t]) '        ')`n      </maml:description>`n    </command:$($pair[2])>")
        }
        $null = $sb.AppendLine("  </command:$($pair[1])>")
    }
    $null = $sb.AppendLine("  <maml:alertSet>`n    <maml:alert>`n$(Paras (& $get 'NOTES'))`n    </maml:alert>`n  </maml:alertSet>`n  <command:examples>")
    $examples = Split-Sections (& $get 'EXAMPLES') '### '
    foreach ($ex in $examples.Keys) {
        $code = [System.Collections.Generic.List[string]]::new()
        $rest = [System.Collections.Generic.List[string]]::new()
        $inFence = $false; $fenceDone = $false
        foreach ($l in $examples[$ex]) {
            if ($l -match '^```') { if ($inFence) { $fenceDone = $true }; $inFence = -not $inFence; continue }
            if ($inFence -and -not $fenceDone) { $code.Add($l) } elseif (-not $inFence) { $rest.Add($l) } else { $rest.Add('    ' + $l) }
        }
        $null = $sb.AppendLine(@"
    <command:example>
      <maml:title>-------------------------- $(Format-Text $ex) --------------------------</maml:title>
      <dev:code>$([System.Security.SecurityElement]::Escape(($code -join "`n")))</dev:code>
      <dev:remarks>
$(Paras $rest '        ')
      </dev:remarks>
    </command:example>
"@)
    }
    $null = $sb.AppendLine("  </command:examples>`n  <command:relatedLinks>")
    foreach ($l in (& $get 'RELATED LINKS') | Where-Object { $_ -match '^\s*[-*]\s+(.+)$' }) {
        $link = $Matches[1] -replace '\[([^\]]+)\]\(([^)]*)\)', '$1'
        $null = $sb.AppendLine("    <maml:navigationLink><maml:linkText>$(Format-Text $link.Trim())</maml:linkText><maml:uri /></maml:navigationLink>")
    }
    $null = $sb.AppendLine("  </command:relatedLinks>`n</command:command>")
    $documented += $name
}
$null = $sb.AppendLine('</helpItems>')
$missing = @($byName.Keys | Where-Object { $_ -notin $documented })
if ($missing) { Write-Host "   help: no page for $($missing -join ', ') (add docs/<Cmdlet>.md)" }

$culture = New-Item -ItemType Directory -Path (Join-Path $ModuleOut 'en-US') -Force
$xmlPath = Join-Path $culture 'R2Sync.PowerShell.dll-Help.xml'
[System.IO.File]::WriteAllText($xmlPath, $sb.ToString(), [System.Text.UTF8Encoding]::new($false))
$null = [xml] (Get-Content $xmlPath -Raw) # fail the build on malformed XML

# about_ topics: the Markdown with its heading marks and code fences removed.
foreach ($about in Get-ChildItem $Docs -Filter 'about_*.md') {
    $text = foreach ($l in Get-Content $about.FullName) {
        if ($l -match '^```') { continue }
        if ($l -match '^(#+)\s+(.*)$') { if ($Matches[1].Length -le 2) { $Matches[2].ToUpperInvariant() } else { '    ' + $Matches[2] } ; continue }
        $l -replace '`([^`]+)`', '$1' -replace '\*\*([^*]+)\*\*', '$1'
    }
    Set-Content -Path (Join-Path $culture ($about.BaseName + '.help.txt')) -Value $text -Encoding utf8NoBOM
}
Write-Host "   help: $($documented.Count) cmdlet(s) documented → $xmlPath"
