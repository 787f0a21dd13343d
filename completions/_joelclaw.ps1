
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'joelclaw' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'joelclaw'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'joelclaw' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('restate', 'restate', [CompletionResultType]::ParameterValue, 'Restate pipelines and what schedules them')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'joelclaw;restate' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('cron', 'cron', [CompletionResultType]::ParameterValue, 'Manage the Dkron jobs that fire Restate pipelines on a schedule')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'joelclaw;restate;cron' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show Dkron''s health, leader and jobs, and Restate''s health and registrations')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the jobs managed by joelclaw (every Dkron job with --all)')
            [CompletionResult]::new('enable-health', 'enable-health', [CompletionResultType]::ParameterValue, 'Create or update the Restate health-check job (from tier1.toml), optionally run it now')
            [CompletionResult]::new('sync-tier1', 'sync-tier1', [CompletionResultType]::ParameterValue, 'Make Dkron''s jobs match tier1.toml: plan, then create, update or prune')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create one Dkron HTTP job that POSTs to a Restate handler')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a Dkron job (and its executions). Refuses jobs this tool does not own')
            [CompletionResult]::new('dashboard', 'dashboard', [CompletionResultType]::ParameterValue, 'Open Dkron''s web UI through a tunnel on 127.0.0.1 and keep it open until Ctrl-C')
            [CompletionResult]::new('manifest', 'manifest', [CompletionResultType]::ParameterValue, 'Print the Dkron deployment (Services, StatefulSet, PDB, NetworkPolicy, RBAC) as YAML')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Apply the Dkron deployment (server-side apply) and wait for the rollout and a leader')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'Show when jobs fire next, computed the way Dkron computes it')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check tier1.toml offline: everything sync-tier1 checks, plus the hazards of HTTP jobs')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write live Dkron jobs as tier1.toml entries, to adopt jobs that already exist')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Trigger a job now (waits for the execution unless --no-wait)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Pause a job (disable it) and record who paused it and why')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a paused job (enable it) and clear its pause record')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show a job''s executions, newest first (Dkron keeps the last 100)')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Show a job''s recent fires end to end: slot, executions, what Restate did')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Check the soak: each job''s expected fires against what Dkron and Restate did')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'joelclaw;restate;cron;status' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--skip-restate', '--skip-restate', [CompletionResultType]::ParameterName, 'Check Dkron only (do not reach Restate''s admin API)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;list' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'List every job in Dkron, not only the ones joelclaw manages')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;enable-health' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The manifest of jobs to manage')
            [CompletionResult]::new('--restate-url', '--restate-url', [CompletionResultType]::ParameterName, 'Restate ingress URL as Dkron reaches it; overrides every `restate_url` in the file')
            [CompletionResult]::new('--schedule', '--schedule', [CompletionResultType]::ParameterName, 'Override the schedule (5 fields, 6 fields seconds first, or an @descriptor)')
            [CompletionResult]::new('--timezone', '--timezone', [CompletionResultType]::ParameterName, 'Override the IANA time zone the schedule is evaluated in')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Adopt an existing job of that name that this tool does not own')
            [CompletionResult]::new('--run-now', '--run-now', [CompletionResultType]::ParameterName, 'Trigger the job once after writing it (waits for the run to finish)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;sync-tier1' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The manifest of jobs to manage')
            [CompletionResult]::new('--restate-url', '--restate-url', [CompletionResultType]::ParameterName, 'Restate ingress URL as Dkron reaches it; overrides every `restate_url` in the file')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Writes sent to Dkron at once')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Budget of the whole sync: past it no new write is sent and the rest are reported as not attempted (--timeout is per request)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'How long to wait for another sync of the same set to finish')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Change nothing; exit 3 when Dkron differs from the file (a CI drift gate)')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Delete jobs of this file''s set that the file no longer lists')
            [CompletionResult]::new('--prune-all', '--prune-all', [CompletionResultType]::ParameterName, 'Allow a prune that deletes every job of the set, or more than half of it (refused otherwise, as is --prune with a file that lists no jobs)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Adopt jobs with a wanted name that this tool does not own (or another set owns)')
            [CompletionResult]::new('--run-now', '--run-now', [CompletionResultType]::ParameterName, 'Trigger each synced, enabled job once after applying (waits for each run to finish)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;create' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Job name: a-z, 0-9, `_` and `-`')
            [CompletionResult]::new('--schedule', '--schedule', [CompletionResultType]::ParameterName, '5 fields (Inngest), 6 fields (seconds first) or an @descriptor')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'Restate service to call')
            [CompletionResult]::new('--handler', '--handler', [CompletionResultType]::ParameterName, 'Restate handler to call')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Key of a Virtual Object or Workflow target')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'JSON request body')
            [CompletionResult]::new('--timezone', '--timezone', [CompletionResultType]::ParameterName, 'IANA time zone the schedule is evaluated in')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header, repeatable; the value may use ${env:NAME} (redacted in output)')
            [CompletionResult]::new('--display-name', '--display-name', [CompletionResultType]::ParameterName, 'Label shown in Dkron''s UI (default: the name)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Ownership scope recorded in the job''s metadata')
            [CompletionResult]::new('--restate-url', '--restate-url', [CompletionResultType]::ParameterName, 'Restate ingress URL as Dkron reaches it')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Dkron retries on the same node after a failed fire')
            [CompletionResult]::new('--timeout-seconds', '--timeout-seconds', [CompletionResultType]::ParameterName, 'Seconds Dkron waits for Restate''s answer')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--disabled', '--disabled', [CompletionResultType]::ParameterName, 'Create the job disabled')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Overwrite an existing job of that name that this tool owns')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With --replace, also overwrite (and adopt) a job this tool does not own')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;delete' {
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'The set whose job it must be (jobs of another set, or not managed by joelclaw, need --force)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Delete even a job that this tool does not own')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be deleted and change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;dashboard' {
            [CompletionResult]::new('--local-port', '--local-port', [CompletionResultType]::ParameterName, 'Local port to listen on (0: any free port)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;manifest' {
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Dkron servers: 1, 3, 5, 7 or 9 (a Raft cluster needs an odd number to keep a quorum through a failure; with 2, the disruption budget could never allow a drain)')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'The Dkron image, pinned')
            [CompletionResult]::new('--storage-class', '--storage-class', [CompletionResultType]::ParameterName, 'StorageClass of the data volumes (default: the cluster''s default class)')
            [CompletionResult]::new('--storage', '--storage', [CompletionResultType]::ParameterName, 'Size of each server''s data volume')
            [CompletionResult]::new('--volume-permissions', '--volume-permissions', [CompletionResultType]::ParameterName, 'Add an init container that makes the data volume owned by the Dkron user (65532), for storage that ignores `fsGroup` (local-path, hostPath)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;install' {
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Dkron servers: 1, 3, 5, 7 or 9 (a Raft cluster needs an odd number to keep a quorum through a failure; with 2, the disruption budget could never allow a drain)')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'The Dkron image, pinned')
            [CompletionResult]::new('--storage-class', '--storage-class', [CompletionResultType]::ParameterName, 'StorageClass of the data volumes (default: the cluster''s default class)')
            [CompletionResult]::new('--storage', '--storage', [CompletionResultType]::ParameterName, 'Size of each server''s data volume')
            [CompletionResult]::new('--volume-permissions', '--volume-permissions', [CompletionResultType]::ParameterName, 'Add an init container that makes the data volume owned by the Dkron user (65532), for storage that ignores `fsGroup` (local-path, hostPath)')
            [CompletionResult]::new('--wait-timeout', '--wait-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the rollout and a Raft leader')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Ask the apiserver what would change and change nothing')
            [CompletionResult]::new('--force-conflicts', '--force-conflicts', [CompletionResultType]::ParameterName, 'Take over fields another field manager owns (server-side apply''s `force`)')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Apply and return without waiting')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;completions' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;next' {
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'How many fire times to show for each job')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Show the fire times after this RFC 3339 time (default: now)')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read the jobs from this manifest instead of Dkron (offline; header secrets are not needed)')
            [CompletionResult]::new('--server-timezone', '--server-timezone', [CompletionResultType]::ParameterName, 'The time zone of Dkron''s servers, in which Dkron reads `@` descriptors and jobs without a timezone (the shipped deployment sets no TZ, so UTC)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;validate' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The manifest of jobs to manage')
            [CompletionResult]::new('--restate-url', '--restate-url', [CompletionResultType]::ParameterName, 'Restate ingress URL as Dkron reaches it; overrides every `restate_url` in the file')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;export' {
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'The file''s set: export the managed jobs of this set (with --all: every job, into this set)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the file here instead of printing it (an existing file is replaced)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Export every Dkron job, not only the ones joelclaw manages (jobs of another owner need `sync-tier1 --force` to be adopted)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;run' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Return once the execution has started instead of waiting for it to finish')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;pause' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why it is paused (shown by `list`)')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Who paused it (default: $USER)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'The set whose job it must be (jobs of another set, or not managed by joelclaw, need --force)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Also pause a job this tool does not own')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;resume' {
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'The set whose job it must be (jobs of another set, or not managed by joelclaw, need --force)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Also resume a job this tool does not own')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;history' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many executions to show')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Include each execution''s full output (the target''s response body, after any error text)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;trace' {
            [CompletionResult]::new('--last', '--last', [CompletionResultType]::ParameterName, 'How many fires to show')
            [CompletionResult]::new('--tolerance', '--tolerance', [CompletionResultType]::ParameterName, 'How far from its slot a fire may start and still count')
            [CompletionResult]::new('--stuck-after', '--stuck-after', [CompletionResultType]::ParameterName, 'An invocation not completed this long after it was created counts as stuck')
            [CompletionResult]::new('--server-timezone', '--server-timezone', [CompletionResultType]::ParameterName, 'The time zone of Dkron''s servers, in which Dkron reads `@` descriptors and jobs without a timezone')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;audit' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Start of the window: a duration before now (`24h`, `90m`, `2d`) or an RFC 3339 time')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'End of the window (RFC 3339; default: now)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Only the managed jobs of this set')
            [CompletionResult]::new('--tolerance', '--tolerance', [CompletionResultType]::ParameterName, 'How far from its slot a fire may start and still count (narrowed to half the gap between a job''s slots)')
            [CompletionResult]::new('--stuck-after', '--stuck-after', [CompletionResultType]::ParameterName, 'An invocation not completed this long after it was created counts as stuck')
            [CompletionResult]::new('--server-timezone', '--server-timezone', [CompletionResultType]::ParameterName, 'The time zone of Dkron''s servers, in which Dkron reads `@` descriptors and jobs without a timezone')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Dkron Service')
            [CompletionResult]::new('--service-name', '--service-name', [CompletionResultType]::ParameterName, 'The Dkron ClusterIP Service the tunnel forwards to')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, 'The Service port (number or name); default: the port named `http`, else 8080')
            [CompletionResult]::new('--restate-admin-url', '--restate-admin-url', [CompletionResultType]::ParameterName, 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel')
            [CompletionResult]::new('--restate-namespace', '--restate-namespace', [CompletionResultType]::ParameterName, 'Kubernetes namespace of the Restate Service (default: --namespace)')
            [CompletionResult]::new('--restate-service-name', '--restate-service-name', [CompletionResultType]::ParameterName, 'The Restate Service the admin tunnel forwards to')
            [CompletionResult]::new('--restate-service-port', '--restate-service-port', [CompletionResultType]::ParameterName, 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour; NO_COLOR turns `auto` off')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (the agent envelope) instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'joelclaw;restate;cron;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show Dkron''s health, leader and jobs, and Restate''s health and registrations')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the jobs managed by joelclaw (every Dkron job with --all)')
            [CompletionResult]::new('enable-health', 'enable-health', [CompletionResultType]::ParameterValue, 'Create or update the Restate health-check job (from tier1.toml), optionally run it now')
            [CompletionResult]::new('sync-tier1', 'sync-tier1', [CompletionResultType]::ParameterValue, 'Make Dkron''s jobs match tier1.toml: plan, then create, update or prune')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create one Dkron HTTP job that POSTs to a Restate handler')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a Dkron job (and its executions). Refuses jobs this tool does not own')
            [CompletionResult]::new('dashboard', 'dashboard', [CompletionResultType]::ParameterValue, 'Open Dkron''s web UI through a tunnel on 127.0.0.1 and keep it open until Ctrl-C')
            [CompletionResult]::new('manifest', 'manifest', [CompletionResultType]::ParameterValue, 'Print the Dkron deployment (Services, StatefulSet, PDB, NetworkPolicy, RBAC) as YAML')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Apply the Dkron deployment (server-side apply) and wait for the rollout and a leader')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'Show when jobs fire next, computed the way Dkron computes it')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check tier1.toml offline: everything sync-tier1 checks, plus the hazards of HTTP jobs')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write live Dkron jobs as tier1.toml entries, to adopt jobs that already exist')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Trigger a job now (waits for the execution unless --no-wait)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Pause a job (disable it) and record who paused it and why')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a paused job (enable it) and clear its pause record')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show a job''s executions, newest first (Dkron keeps the last 100)')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Show a job''s recent fires end to end: slot, executions, what Restate did')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Check the soak: each job''s expected fires against what Dkron and Restate did')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'joelclaw;restate;cron;help;status' {
            break
        }
        'joelclaw;restate;cron;help;list' {
            break
        }
        'joelclaw;restate;cron;help;enable-health' {
            break
        }
        'joelclaw;restate;cron;help;sync-tier1' {
            break
        }
        'joelclaw;restate;cron;help;create' {
            break
        }
        'joelclaw;restate;cron;help;delete' {
            break
        }
        'joelclaw;restate;cron;help;dashboard' {
            break
        }
        'joelclaw;restate;cron;help;manifest' {
            break
        }
        'joelclaw;restate;cron;help;install' {
            break
        }
        'joelclaw;restate;cron;help;completions' {
            break
        }
        'joelclaw;restate;cron;help;next' {
            break
        }
        'joelclaw;restate;cron;help;validate' {
            break
        }
        'joelclaw;restate;cron;help;export' {
            break
        }
        'joelclaw;restate;cron;help;run' {
            break
        }
        'joelclaw;restate;cron;help;pause' {
            break
        }
        'joelclaw;restate;cron;help;resume' {
            break
        }
        'joelclaw;restate;cron;help;history' {
            break
        }
        'joelclaw;restate;cron;help;trace' {
            break
        }
        'joelclaw;restate;cron;help;audit' {
            break
        }
        'joelclaw;restate;cron;help;help' {
            break
        }
        'joelclaw;restate;help' {
            [CompletionResult]::new('cron', 'cron', [CompletionResultType]::ParameterValue, 'Manage the Dkron jobs that fire Restate pipelines on a schedule')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'joelclaw;restate;help;cron' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show Dkron''s health, leader and jobs, and Restate''s health and registrations')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the jobs managed by joelclaw (every Dkron job with --all)')
            [CompletionResult]::new('enable-health', 'enable-health', [CompletionResultType]::ParameterValue, 'Create or update the Restate health-check job (from tier1.toml), optionally run it now')
            [CompletionResult]::new('sync-tier1', 'sync-tier1', [CompletionResultType]::ParameterValue, 'Make Dkron''s jobs match tier1.toml: plan, then create, update or prune')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create one Dkron HTTP job that POSTs to a Restate handler')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a Dkron job (and its executions). Refuses jobs this tool does not own')
            [CompletionResult]::new('dashboard', 'dashboard', [CompletionResultType]::ParameterValue, 'Open Dkron''s web UI through a tunnel on 127.0.0.1 and keep it open until Ctrl-C')
            [CompletionResult]::new('manifest', 'manifest', [CompletionResultType]::ParameterValue, 'Print the Dkron deployment (Services, StatefulSet, PDB, NetworkPolicy, RBAC) as YAML')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Apply the Dkron deployment (server-side apply) and wait for the rollout and a leader')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'Show when jobs fire next, computed the way Dkron computes it')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check tier1.toml offline: everything sync-tier1 checks, plus the hazards of HTTP jobs')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write live Dkron jobs as tier1.toml entries, to adopt jobs that already exist')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Trigger a job now (waits for the execution unless --no-wait)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Pause a job (disable it) and record who paused it and why')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a paused job (enable it) and clear its pause record')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show a job''s executions, newest first (Dkron keeps the last 100)')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Show a job''s recent fires end to end: slot, executions, what Restate did')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Check the soak: each job''s expected fires against what Dkron and Restate did')
            break
        }
        'joelclaw;restate;help;cron;status' {
            break
        }
        'joelclaw;restate;help;cron;list' {
            break
        }
        'joelclaw;restate;help;cron;enable-health' {
            break
        }
        'joelclaw;restate;help;cron;sync-tier1' {
            break
        }
        'joelclaw;restate;help;cron;create' {
            break
        }
        'joelclaw;restate;help;cron;delete' {
            break
        }
        'joelclaw;restate;help;cron;dashboard' {
            break
        }
        'joelclaw;restate;help;cron;manifest' {
            break
        }
        'joelclaw;restate;help;cron;install' {
            break
        }
        'joelclaw;restate;help;cron;completions' {
            break
        }
        'joelclaw;restate;help;cron;next' {
            break
        }
        'joelclaw;restate;help;cron;validate' {
            break
        }
        'joelclaw;restate;help;cron;export' {
            break
        }
        'joelclaw;restate;help;cron;run' {
            break
        }
        'joelclaw;restate;help;cron;pause' {
            break
        }
        'joelclaw;restate;help;cron;resume' {
            break
        }
        'joelclaw;restate;help;cron;history' {
            break
        }
        'joelclaw;restate;help;cron;trace' {
            break
        }
        'joelclaw;restate;help;cron;audit' {
            break
        }
        'joelclaw;restate;help;help' {
            break
        }
        'joelclaw;help' {
            [CompletionResult]::new('restate', 'restate', [CompletionResultType]::ParameterValue, 'Restate pipelines and what schedules them')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'joelclaw;help;restate' {
            [CompletionResult]::new('cron', 'cron', [CompletionResultType]::ParameterValue, 'Manage the Dkron jobs that fire Restate pipelines on a schedule')
            break
        }
        'joelclaw;help;restate;cron' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show Dkron''s health, leader and jobs, and Restate''s health and registrations')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the jobs managed by joelclaw (every Dkron job with --all)')
            [CompletionResult]::new('enable-health', 'enable-health', [CompletionResultType]::ParameterValue, 'Create or update the Restate health-check job (from tier1.toml), optionally run it now')
            [CompletionResult]::new('sync-tier1', 'sync-tier1', [CompletionResultType]::ParameterValue, 'Make Dkron''s jobs match tier1.toml: plan, then create, update or prune')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create one Dkron HTTP job that POSTs to a Restate handler')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a Dkron job (and its executions). Refuses jobs this tool does not own')
            [CompletionResult]::new('dashboard', 'dashboard', [CompletionResultType]::ParameterValue, 'Open Dkron''s web UI through a tunnel on 127.0.0.1 and keep it open until Ctrl-C')
            [CompletionResult]::new('manifest', 'manifest', [CompletionResultType]::ParameterValue, 'Print the Dkron deployment (Services, StatefulSet, PDB, NetworkPolicy, RBAC) as YAML')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Apply the Dkron deployment (server-side apply) and wait for the rollout and a leader')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'Show when jobs fire next, computed the way Dkron computes it')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check tier1.toml offline: everything sync-tier1 checks, plus the hazards of HTTP jobs')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write live Dkron jobs as tier1.toml entries, to adopt jobs that already exist')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Trigger a job now (waits for the execution unless --no-wait)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Pause a job (disable it) and record who paused it and why')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a paused job (enable it) and clear its pause record')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show a job''s executions, newest first (Dkron keeps the last 100)')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Show a job''s recent fires end to end: slot, executions, what Restate did')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Check the soak: each job''s expected fires against what Dkron and Restate did')
            break
        }
        'joelclaw;help;restate;cron;status' {
            break
        }
        'joelclaw;help;restate;cron;list' {
            break
        }
        'joelclaw;help;restate;cron;enable-health' {
            break
        }
        'joelclaw;help;restate;cron;sync-tier1' {
            break
        }
        'joelclaw;help;restate;cron;create' {
            break
        }
        'joelclaw;help;restate;cron;delete' {
            break
        }
        'joelclaw;help;restate;cron;dashboard' {
            break
        }
        'joelclaw;help;restate;cron;manifest' {
            break
        }
        'joelclaw;help;restate;cron;install' {
            break
        }
        'joelclaw;help;restate;cron;completions' {
            break
        }
        'joelclaw;help;restate;cron;next' {
            break
        }
        'joelclaw;help;restate;cron;validate' {
            break
        }
        'joelclaw;help;restate;cron;export' {
            break
        }
        'joelclaw;help;restate;cron;run' {
            break
        }
        'joelclaw;help;restate;cron;pause' {
            break
        }
        'joelclaw;help;restate;cron;resume' {
            break
        }
        'joelclaw;help;restate;cron;history' {
            break
        }
        'joelclaw;help;restate;cron;trace' {
            break
        }
        'joelclaw;help;restate;cron;audit' {
            break
        }
        'joelclaw;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
