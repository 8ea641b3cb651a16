#Requires -Version 7.4
# Wrong credentials and the secret: a second moto with authentication on (INITIAL_NO_AUTH_ACTION_COUNT=3, reset
# through /moto-api/reset-auth after the readiness probe: the next three calls create an IAM user, its access key and an allow-all policy; every later call is checked).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:R2SYNC_TEST_MODULE -Force

    $script:authMoto = Start-Moto -Environment @{ INITIAL_NO_AUTH_ACTION_COUNT = '3' }
    $py = @'
import boto3, json, sys, urllib.request
ep = sys.argv[1]
# Start counting now: Start-Moto's readiness probe was already a call. Three unauthenticated calls, then auth.
urllib.request.urlopen(urllib.request.Request(ep + "/moto-api/reset-auth", data=b"3", method="POST", headers={"Content-Type": "text/plain"})).read()
iam = boto3.client("iam", endpoint_url=ep, region_name="us-east-1", aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="r2sync")
k = iam.create_access_key(UserName="r2sync")["AccessKey"]
iam.put_user_policy(UserName="r2sync", PolicyName="all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
s3 = boto3.client("s3", endpoint_url=ep, region_name="us-east-1", aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
s3.create_bucket(Bucket="auth-bucket")
print(json.dumps({"id": k["AccessKeyId"], "secret": k["SecretAccessKey"]}))
'@
    $creds = (& python3 -c $py $script:authMoto.Endpoint) | ConvertFrom-Json
    if ($LASTEXITCODE -ne 0 -or -not $creds.secret) { throw 'could not create IAM credentials on the auth moto' }
    $script:keyId = $creds.id
    $script:secret = $creds.secret
    $script:wrongSecret = 'wrong-' + [guid]::NewGuid().ToString('N')
    $script:tree = New-TestTree -Files 20 -Seed 31 -Root (Join-Path $TestDrive 'secret-src')

    function Set-AuthCredential([string] $Secret) {
        $env:R2_ENDPOINT = $script:authMoto.Endpoint
        $env:R2_BUCKET_NAME = 'auth-bucket'
        $env:R2_ACCESS_KEY_ID = $script:keyId
        $env:R2_SECRET_ACCESS_KEY = $Secret
        # An empty prefix ('/' normalizes to ''): moto 5.2.1 recomputes SigV4 wrongly for a list whose query holds an
        # encoded '/' (prefix=experiments%2F) and refuses even the right key (boto3 too). Keys may hold '/'.
        $env:R2_PREFIX = '/'
    }

    function Get-EverythingAsText {
        # Runs a script block with -Verbose/-Debug preferences, captures every stream and any terminating error,
        # and renders all of it (records, exceptions with inner exceptions, targets, stack traces) as text.
        param([scriptblock] $Body)
        $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'
        $items = [System.Collections.Generic.List[object]]::new()
        try { & $Body *>&1 | ForEach-Object { $items.Add($_) } } catch { $items.Add($_) }
        $sb = [System.Text.StringBuilder]::new()
        foreach ($i in $items) {
            [void]$sb.AppendLine(($i | Format-List * -Force | Out-String -Width 4096))
            if ($i -is [System.Management.Automation.ErrorRecord]) {
                [void]$sb.AppendLine($i.Exception.ToString())
                [void]$sb.AppendLine("$($i.TargetObject)")
                [void]$sb.AppendLine("$($i.ScriptStackTrace)")
                [void]$sb.AppendLine("$($i.FullyQualifiedErrorId)")
            }
        }
        [pscustomobject]@{ Text = $sb.ToString(); Items = $items }
    }
}

AfterAll {
    Clear-TestCredential
    if ($script:authMoto) { Stop-Moto $script:authMoto }
}

Describe 'Wrong credentials' {
    It 'Push_WithWrongSecret_IsAnAccessDeniedTerminatingErrorBeforeAnyWork' {
        Set-AuthCredential $script:wrongSecret
        $err = $null
        try { Push-R2Experiment -Path $script:tree -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Match '^R2Sync\.AccessDenied'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err.Exception.Message | Should -Match 'credentials were refused'
    }

    It 'Push_WithUnknownAccessKey_IsAnAccessDeniedTerminatingError' {
        Set-AuthCredential $script:secret
        $env:R2_ACCESS_KEY_ID = 'AKIANOTAREALKEY00000'
        $err = $null
        try { Receive-R2Experiment -Path (Join-Path $TestDrive 'unknown-key') -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^R2Sync\.AccessDenied'
        Test-Path (Join-Path $TestDrive 'unknown-key') | Should -BeFalse
    }

    It 'Push_WithTheRightSecret_Works' {
        Set-AuthCredential $script:secret
        $r = Push-R2Experiment -Path $script:tree
        $r.Failed | Should -Be 0
        $synced = @((Get-TreeFiles $script:tree).Keys | Where-Object { -not (Test-IsExcludedPath $_) })
        # Every file is new: the refused runs before this one wrote nothing.
        $r.Uploaded | Should -Be $synced.Count
        $r.Skipped | Should -Be 0
    }
}

Describe 'The secret never appears' {
    It 'Streams_WithVerboseAndDebug_NeverShowTheSecret' {
        Set-AuthCredential $script:secret
        $runs = @(
            { Push-R2Experiment -Path $script:tree -Mode Checksum -Verbose -Debug }
            { Receive-R2Experiment -Path (Join-Path $TestDrive 'secret-pull') -Verbose -Debug -PassThru }
            { Get-R2SyncPlan -Path $script:tree -Direction Push -Mode Checksum -Verbose -Debug }
            { Test-R2Connection -Verbose -Debug }
        )
        foreach ($cfg in 'Get-R2SyncConfiguration', 'Get-R2SyncConfig', 'Get-R2SyncSetting') {
            if (Get-Command $cfg -ErrorAction SilentlyContinue) { $runs += [scriptblock]::Create("$cfg -Verbose -Debug") }
        }
        foreach ($run in $runs) {
            $out = Get-EverythingAsText $run
            $out.Items.Count | Should -BeGreaterThan 0 -Because "$run writes something"
            @($out.Items | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) | Should -BeNullOrEmpty -Because "$run works with the right key"
            $out.Text.Contains($script:secret) | Should -BeFalse -Because "$run must not print the secret"
        }
    }

    It 'ErrorRecords_FromRefusedCredentials_NeverShowTheSecret' {
        Set-AuthCredential $script:wrongSecret
        foreach ($run in @(
                { Push-R2Experiment -Path $script:tree -Verbose -Debug }
                { Receive-R2Experiment -Path (Join-Path $TestDrive 'secret-pull-2') -Verbose -Debug }
                { Test-R2Connection -Verbose -Debug }
            )) {
            $out = Get-EverythingAsText $run
            @($out.Items | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] -or ($_.PSObject.Properties['Status'] -and $_.Status -eq 'AccessDenied') }).Count |
                Should -BeGreaterThan 0 -Because "$run is refused"
            $out.Text.Contains($script:wrongSecret) | Should -BeFalse -Because "$run must not print the secret"
        }
    }

    It 'Files_WrittenByRuns_NeverHoldTheSecret' {
        $hits = @(Get-ChildItem $TestDrive -Recurse -File -Force | Where-Object {
                [IO.File]::ReadAllText($_.FullName).Contains($script:secret) -or [IO.File]::ReadAllText($_.FullName).Contains($script:wrongSecret) })
        $hits | Should -BeNullOrEmpty
    }
}
