
use builtin;
use str;

set edit:completion:arg-completer[joelclaw] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'joelclaw'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'joelclaw'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand restate 'Restate pipelines and what schedules them'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'joelclaw;restate'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand cron 'Manage the Dkron jobs that fire Restate pipelines on a schedule'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'joelclaw;restate;cron'= {
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand status 'Show Dkron''s health, leader and jobs, and Restate''s health and registrations'
            cand list 'List the jobs managed by joelclaw (every Dkron job with --all)'
            cand enable-health 'Create or update the Restate health-check job (from tier1.toml), optionally run it now'
            cand sync-tier1 'Make Dkron''s jobs match tier1.toml: plan, then create, update or prune'
            cand create 'Create one Dkron HTTP job that POSTs to a Restate handler'
            cand delete 'Delete a Dkron job (and its executions). Refuses jobs this tool does not own'
            cand dashboard 'Open Dkron''s web UI through a tunnel on 127.0.0.1 and keep it open until Ctrl-C'
            cand manifest 'Print the Dkron deployment (Services, StatefulSet, PDB, NetworkPolicy, RBAC) as YAML'
            cand install 'Apply the Dkron deployment (server-side apply) and wait for the rollout and a leader'
            cand completions 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
            cand next 'Show when jobs fire next, computed the way Dkron computes it'
            cand validate 'Check tier1.toml offline: everything sync-tier1 checks, plus the hazards of HTTP jobs'
            cand export 'Write live Dkron jobs as tier1.toml entries, to adopt jobs that already exist'
            cand run 'Trigger a job now (waits for the execution unless --no-wait)'
            cand pause 'Pause a job (disable it) and record who paused it and why'
            cand resume 'Resume a paused job (enable it) and clear its pause record'
            cand history 'Show a job''s executions, newest first (Dkron keeps the last 100)'
            cand trace 'Show a job''s recent fires end to end: slot, executions, what Restate did'
            cand audit 'Check the soak: each job''s expected fires against what Dkron and Restate did'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'joelclaw;restate;cron;status'= {
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --skip-restate 'Check Dkron only (do not reach Restate''s admin API)'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;list'= {
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --all 'List every job in Dkron, not only the ones joelclaw manages'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;enable-health'= {
            cand --file 'The manifest of jobs to manage'
            cand --restate-url 'Restate ingress URL as Dkron reaches it; overrides every `restate_url` in the file'
            cand --schedule 'Override the schedule (5 fields, 6 fields seconds first, or an @descriptor)'
            cand --timezone 'Override the IANA time zone the schedule is evaluated in'
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --force 'Adopt an existing job of that name that this tool does not own'
            cand --run-now 'Trigger the job once after writing it (waits for the run to finish)'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;sync-tier1'= {
            cand --file 'The manifest of jobs to manage'
            cand --restate-url 'Restate ingress URL as Dkron reaches it; overrides every `restate_url` in the file'
            cand --concurrency 'Writes sent to Dkron at once'
            cand --deadline 'Budget of the whole sync: past it no new write is sent and the rest are reported as not attempted (--timeout is per request)'
            cand --lock-timeout 'How long to wait for another sync of the same set to finish'
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --dry-run 'Print the plan and change nothing'
            cand --check 'Change nothing; exit 3 when Dkron differs from the file (a CI drift gate)'
            cand --prune 'Delete jobs of this file''s set that the file no longer lists'
            cand --prune-all 'Allow a prune that deletes every job of the set, or more than half of it (refused otherwise, as is --prune with a file that lists no jobs)'
            cand --force 'Adopt jobs with a wanted name that this tool does not own (or another set owns)'
            cand --run-now 'Trigger each synced, enabled job once after applying (waits for each run to finish)'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;create'= {
            cand --name 'Job name: a-z, 0-9, `_` and `-`'
            cand --schedule '5 fields (Inngest), 6 fields (seconds first) or an @descriptor'
            cand --service 'Restate service to call'
            cand --handler 'Restate handler to call'
            cand --key 'Key of a Virtual Object or Workflow target'
            cand --body 'JSON request body'
            cand --timezone 'IANA time zone the schedule is evaluated in'
            cand --header 'Extra request header, repeatable; the value may use ${env:NAME} (redacted in output)'
            cand --display-name 'Label shown in Dkron''s UI (default: the name)'
            cand --set 'Ownership scope recorded in the job''s metadata'
            cand --restate-url 'Restate ingress URL as Dkron reaches it'
            cand --retries 'Dkron retries on the same node after a failed fire'
            cand --timeout-seconds 'Seconds Dkron waits for Restate''s answer'
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --disabled 'Create the job disabled'
            cand --replace 'Overwrite an existing job of that name that this tool owns'
            cand --force 'With --replace, also overwrite (and adopt) a job this tool does not own'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;delete'= {
            cand --set 'The set whose job it must be (jobs of another set, or not managed by joelclaw, need --force)'
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --force 'Delete even a job that this tool does not own'
            cand --dry-run 'Show what would be deleted and change nothing'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;dashboard'= {
            cand --local-port 'Local port to listen on (0: any free port)'
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;manifest'= {
            cand --replicas 'Dkron servers: 1, 3, 5, 7 or 9 (a Raft cluster needs an odd number to keep a quorum through a failure; with 2, the disruption budget could never allow a drain)'
            cand --image 'The Dkron image, pinned'
            cand --storage-class 'StorageClass of the data volumes (default: the cluster''s default class)'
            cand --storage 'Size of each server''s data volume'
            cand --volume-permissions 'Add an init container that makes the data volume owned by the Dkron user (65532), for storage that ignores `fsGroup` (local-path, hostPath)'
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;install'= {
            cand --replicas 'Dkron servers: 1, 3, 5, 7 or 9 (a Raft cluster needs an odd number to keep a quorum through a failure; with 2, the disruption budget could never allow a drain)'
            cand --image 'The Dkron image, pinned'
            cand --storage-class 'StorageClass of the data volumes (default: the cluster''s default class)'
            cand --storage 'Size of each server''s data volume'
            cand --volume-permissions 'Add an init container that makes the data volume owned by the Dkron user (65532), for storage that ignores `fsGroup` (local-path, hostPath)'
            cand --wait-timeout 'Seconds to wait for the rollout and a Raft leader'
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --dry-run 'Ask the apiserver what would change and change nothing'
            cand --force-conflicts 'Take over fields another field manager owns (server-side apply''s `force`)'
            cand --no-wait 'Apply and return without waiting'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;completions'= {
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;next'= {
            cand --count 'How many fire times to show for each job'
            cand --from 'Show the fire times after this RFC 3339 time (default: now)'
            cand --file 'Read the jobs from this manifest instead of Dkron (offline; header secrets are not needed)'
            cand --server-timezone 'The time zone of Dkron''s servers, in which Dkron reads `@` descriptors and jobs without a timezone (the shipped deployment sets no TZ, so UTC)'
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;validate'= {
            cand --file 'The manifest of jobs to manage'
            cand --restate-url 'Restate ingress URL as Dkron reaches it; overrides every `restate_url` in the file'
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;export'= {
            cand --set 'The file''s set: export the managed jobs of this set (with --all: every job, into this set)'
            cand --output 'Write the file here instead of printing it (an existing file is replaced)'
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --all 'Export every Dkron job, not only the ones joelclaw manages (jobs of another owner need `sync-tier1 --force` to be adopted)'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;run'= {
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --no-wait 'Return once the execution has started instead of waiting for it to finish'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;pause'= {
            cand --reason 'Why it is paused (shown by `list`)'
            cand --by 'Who paused it (default: $USER)'
            cand --set 'The set whose job it must be (jobs of another set, or not managed by joelclaw, need --force)'
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --force 'Also pause a job this tool does not own'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;resume'= {
            cand --set 'The set whose job it must be (jobs of another set, or not managed by joelclaw, need --force)'
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --force 'Also resume a job this tool does not own'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;history'= {
            cand --limit 'How many executions to show'
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --output 'Include each execution''s full output (the target''s response body, after any error text)'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;trace'= {
            cand --last 'How many fires to show'
            cand --tolerance 'How far from its slot a fire may start and still count'
            cand --stuck-after 'An invocation not completed this long after it was created counts as stuck'
            cand --server-timezone 'The time zone of Dkron''s servers, in which Dkron reads `@` descriptors and jobs without a timezone'
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;audit'= {
            cand --since 'Start of the window: a duration before now (`24h`, `90m`, `2d`) or an RFC 3339 time'
            cand --until 'End of the window (RFC 3339; default: now)'
            cand --set 'Only the managed jobs of this set'
            cand --tolerance 'How far from its slot a fire may start and still count (narrowed to half the gap between a job''s slots)'
            cand --stuck-after 'An invocation not completed this long after it was created counts as stuck'
            cand --server-timezone 'The time zone of Dkron''s servers, in which Dkron reads `@` descriptors and jobs without a timezone'
            cand --base-url 'Reach Dkron''s HTTP API directly at this URL instead of through a Kubernetes tunnel'
            cand --namespace 'Kubernetes namespace of the Dkron Service'
            cand --service-name 'The Dkron ClusterIP Service the tunnel forwards to'
            cand --service-port 'The Service port (number or name); default: the port named `http`, else 8080'
            cand --restate-admin-url 'Reach Restate''s admin API (port 9070) directly at this URL instead of through a tunnel'
            cand --restate-namespace 'Kubernetes namespace of the Restate Service (default: --namespace)'
            cand --restate-service-name 'The Restate Service the admin tunnel forwards to'
            cand --restate-service-port 'The Restate Service''s admin port (number or name); default: the port named `admin`, else 9070'
            cand --context 'Kubeconfig context to use (default: the current context)'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod''s service account)'
            cand --timeout 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)'
            cand --color 'When to use colour; NO_COLOR turns `auto` off'
            cand --json 'Print one JSON document (the agent envelope) instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'joelclaw;restate;cron;help'= {
            cand status 'Show Dkron''s health, leader and jobs, and Restate''s health and registrations'
            cand list 'List the jobs managed by joelclaw (every Dkron job with --all)'
            cand enable-health 'Create or update the Restate health-check job (from tier1.toml), optionally run it now'
            cand sync-tier1 'Make Dkron''s jobs match tier1.toml: plan, then create, update or prune'
            cand create 'Create one Dkron HTTP job that POSTs to a Restate handler'
            cand delete 'Delete a Dkron job (and its executions). Refuses jobs this tool does not own'
            cand dashboard 'Open Dkron''s web UI through a tunnel on 127.0.0.1 and keep it open until Ctrl-C'
            cand manifest 'Print the Dkron deployment (Services, StatefulSet, PDB, NetworkPolicy, RBAC) as YAML'
            cand install 'Apply the Dkron deployment (server-side apply) and wait for the rollout and a leader'
            cand completions 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
            cand next 'Show when jobs fire next, computed the way Dkron computes it'
            cand validate 'Check tier1.toml offline: everything sync-tier1 checks, plus the hazards of HTTP jobs'
            cand export 'Write live Dkron jobs as tier1.toml entries, to adopt jobs that already exist'
            cand run 'Trigger a job now (waits for the execution unless --no-wait)'
            cand pause 'Pause a job (disable it) and record who paused it and why'
            cand resume 'Resume a paused job (enable it) and clear its pause record'
            cand history 'Show a job''s executions, newest first (Dkron keeps the last 100)'
            cand trace 'Show a job''s recent fires end to end: slot, executions, what Restate did'
            cand audit 'Check the soak: each job''s expected fires against what Dkron and Restate did'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'joelclaw;restate;cron;help;status'= {
        }
        &'joelclaw;restate;cron;help;list'= {
        }
        &'joelclaw;restate;cron;help;enable-health'= {
        }
        &'joelclaw;restate;cron;help;sync-tier1'= {
        }
        &'joelclaw;restate;cron;help;create'= {
        }
        &'joelclaw;restate;cron;help;delete'= {
        }
        &'joelclaw;restate;cron;help;dashboard'= {
        }
        &'joelclaw;restate;cron;help;manifest'= {
        }
        &'joelclaw;restate;cron;help;install'= {
        }
        &'joelclaw;restate;cron;help;completions'= {
        }
        &'joelclaw;restate;cron;help;next'= {
        }
        &'joelclaw;restate;cron;help;validate'= {
        }
        &'joelclaw;restate;cron;help;export'= {
        }
        &'joelclaw;restate;cron;help;run'= {
        }
        &'joelclaw;restate;cron;help;pause'= {
        }
        &'joelclaw;restate;cron;help;resume'= {
        }
        &'joelclaw;restate;cron;help;history'= {
        }
        &'joelclaw;restate;cron;help;trace'= {
        }
        &'joelclaw;restate;cron;help;audit'= {
        }
        &'joelclaw;restate;cron;help;help'= {
        }
        &'joelclaw;restate;help'= {
            cand cron 'Manage the Dkron jobs that fire Restate pipelines on a schedule'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'joelclaw;restate;help;cron'= {
            cand status 'Show Dkron''s health, leader and jobs, and Restate''s health and registrations'
            cand list 'List the jobs managed by joelclaw (every Dkron job with --all)'
            cand enable-health 'Create or update the Restate health-check job (from tier1.toml), optionally run it now'
            cand sync-tier1 'Make Dkron''s jobs match tier1.toml: plan, then create, update or prune'
            cand create 'Create one Dkron HTTP job that POSTs to a Restate handler'
            cand delete 'Delete a Dkron job (and its executions). Refuses jobs this tool does not own'
            cand dashboard 'Open Dkron''s web UI through a tunnel on 127.0.0.1 and keep it open until Ctrl-C'
            cand manifest 'Print the Dkron deployment (Services, StatefulSet, PDB, NetworkPolicy, RBAC) as YAML'
            cand install 'Apply the Dkron deployment (server-side apply) and wait for the rollout and a leader'
            cand completions 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
            cand next 'Show when jobs fire next, computed the way Dkron computes it'
            cand validate 'Check tier1.toml offline: everything sync-tier1 checks, plus the hazards of HTTP jobs'
            cand export 'Write live Dkron jobs as tier1.toml entries, to adopt jobs that already exist'
            cand run 'Trigger a job now (waits for the execution unless --no-wait)'
            cand pause 'Pause a job (disable it) and record who paused it and why'
            cand resume 'Resume a paused job (enable it) and clear its pause record'
            cand history 'Show a job''s executions, newest first (Dkron keeps the last 100)'
            cand trace 'Show a job''s recent fires end to end: slot, executions, what Restate did'
            cand audit 'Check the soak: each job''s expected fires against what Dkron and Restate did'
        }
        &'joelclaw;restate;help;cron;status'= {
        }
        &'joelclaw;restate;help;cron;list'= {
        }
        &'joelclaw;restate;help;cron;enable-health'= {
        }
        &'joelclaw;restate;help;cron;sync-tier1'= {
        }
        &'joelclaw;restate;help;cron;create'= {
        }
        &'joelclaw;restate;help;cron;delete'= {
        }
        &'joelclaw;restate;help;cron;dashboard'= {
        }
        &'joelclaw;restate;help;cron;manifest'= {
        }
        &'joelclaw;restate;help;cron;install'= {
        }
        &'joelclaw;restate;help;cron;completions'= {
        }
        &'joelclaw;restate;help;cron;next'= {
        }
        &'joelclaw;restate;help;cron;validate'= {
        }
        &'joelclaw;restate;help;cron;export'= {
        }
        &'joelclaw;restate;help;cron;run'= {
        }
        &'joelclaw;restate;help;cron;pause'= {
        }
        &'joelclaw;restate;help;cron;resume'= {
        }
        &'joelclaw;restate;help;cron;history'= {
        }
        &'joelclaw;restate;help;cron;trace'= {
        }
        &'joelclaw;restate;help;cron;audit'= {
        }
        &'joelclaw;restate;help;help'= {
        }
        &'joelclaw;help'= {
            cand restate 'Restate pipelines and what schedules them'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'joelclaw;help;restate'= {
            cand cron 'Manage the Dkron jobs that fire Restate pipelines on a schedule'
        }
        &'joelclaw;help;restate;cron'= {
            cand status 'Show Dkron''s health, leader and jobs, and Restate''s health and registrations'
            cand list 'List the jobs managed by joelclaw (every Dkron job with --all)'
            cand enable-health 'Create or update the Restate health-check job (from tier1.toml), optionally run it now'
            cand sync-tier1 'Make Dkron''s jobs match tier1.toml: plan, then create, update or prune'
            cand create 'Create one Dkron HTTP job that POSTs to a Restate handler'
            cand delete 'Delete a Dkron job (and its executions). Refuses jobs this tool does not own'
            cand dashboard 'Open Dkron''s web UI through a tunnel on 127.0.0.1 and keep it open until Ctrl-C'
            cand manifest 'Print the Dkron deployment (Services, StatefulSet, PDB, NetworkPolicy, RBAC) as YAML'
            cand install 'Apply the Dkron deployment (server-side apply) and wait for the rollout and a leader'
            cand completions 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
            cand next 'Show when jobs fire next, computed the way Dkron computes it'
            cand validate 'Check tier1.toml offline: everything sync-tier1 checks, plus the hazards of HTTP jobs'
            cand export 'Write live Dkron jobs as tier1.toml entries, to adopt jobs that already exist'
            cand run 'Trigger a job now (waits for the execution unless --no-wait)'
            cand pause 'Pause a job (disable it) and record who paused it and why'
            cand resume 'Resume a paused job (enable it) and clear its pause record'
            cand history 'Show a job''s executions, newest first (Dkron keeps the last 100)'
            cand trace 'Show a job''s recent fires end to end: slot, executions, what Restate did'
            cand audit 'Check the soak: each job''s expected fires against what Dkron and Restate did'
        }
        &'joelclaw;help;restate;cron;status'= {
        }
        &'joelclaw;help;restate;cron;list'= {
        }
        &'joelclaw;help;restate;cron;enable-health'= {
        }
        &'joelclaw;help;restate;cron;sync-tier1'= {
        }
        &'joelclaw;help;restate;cron;create'= {
        }
        &'joelclaw;help;restate;cron;delete'= {
        }
        &'joelclaw;help;restate;cron;dashboard'= {
        }
        &'joelclaw;help;restate;cron;manifest'= {
        }
        &'joelclaw;help;restate;cron;install'= {
        }
        &'joelclaw;help;restate;cron;completions'= {
        }
        &'joelclaw;help;restate;cron;next'= {
        }
        &'joelclaw;help;restate;cron;validate'= {
        }
        &'joelclaw;help;restate;cron;export'= {
        }
        &'joelclaw;help;restate;cron;run'= {
        }
        &'joelclaw;help;restate;cron;pause'= {
        }
        &'joelclaw;help;restate;cron;resume'= {
        }
        &'joelclaw;help;restate;cron;history'= {
        }
        &'joelclaw;help;restate;cron;trace'= {
        }
        &'joelclaw;help;restate;cron;audit'= {
        }
        &'joelclaw;help;help'= {
        }
    ]
    $completions[$command]
}
