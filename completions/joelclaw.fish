# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_joelclaw_global_optspecs
    string join \n h/help V/version
end

function __fish_joelclaw_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_joelclaw_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_joelclaw_using_subcommand
    set -l cmd (__fish_joelclaw_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c joelclaw -n "__fish_joelclaw_needs_command" -s h -l help -d 'Print help'
complete -c joelclaw -n "__fish_joelclaw_needs_command" -s V -l version -d 'Print version'
complete -c joelclaw -n "__fish_joelclaw_needs_command" -f -a "restate" -d 'Restate pipelines and what schedules them'
complete -c joelclaw -n "__fish_joelclaw_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and not __fish_seen_subcommand_from cron help" -s h -l help -d 'Print help'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and not __fish_seen_subcommand_from cron help" -s V -l version -d 'Print version'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and not __fish_seen_subcommand_from cron help" -f -a "cron" -d 'Manage the Dkron jobs that fire Restate pipelines on a schedule'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and not __fish_seen_subcommand_from cron help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -l base-url -d 'Reach Dkron\'s HTTP API directly at this URL instead of through a Kubernetes tunnel' -r
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -l namespace -d 'Kubernetes namespace of the Dkron Service' -r
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -l service-name -d 'The Dkron ClusterIP Service the tunnel forwards to' -r
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -l service-port -d 'The Service port (number or name); default: the port named `http`, else 8080' -r
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -l restate-admin-url -d 'Reach Restate\'s admin API (port 9070) directly at this URL instead of through a tunnel' -r
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -l restate-namespace -d 'Kubernetes namespace of the Restate Service (default: --namespace)' -r
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -l restate-service-name -d 'The Restate Service the admin tunnel forwards to' -r
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -l restate-service-port -d 'The Restate Service\'s admin port (number or name); default: the port named `admin`, else 9070' -r
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -l context -d 'Kubeconfig context to use (default: the current context)' -r
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the pod\'s service account)' -r -F
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -l timeout -d 'Seconds to wait for each Dkron request (a triggered run waits for the job instead)' -r
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -l color -d 'When to use colour; NO_COLOR turns `auto` off' -r -f -a "auto\t'Colour when the stream is a terminal and NO_COLOR is unset'
always\t'Colour even when piped (never in --json output)'
never\t'Never colour'"
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -l json -d 'Print one JSON document (the agent envelope) instead of tables'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -s V -l version -d 'Print version'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "status" -d 'Show Dkron\'s health, leader and jobs, and Restate\'s health and registrations'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "list" -d 'List the jobs managed by joelclaw (every Dkron job with --all)'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "enable-health" -d 'Create or update the Restate health-check job (from tier1.toml), optionally run it now'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "sync-tier1" -d 'Make Dkron\'s jobs match tier1.toml: plan, then create, update or prune'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "create" -d 'Create one Dkron HTTP job that POSTs to a Restate handler'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "delete" -d 'Delete a Dkron job (and its executions). Refuses jobs this tool does not own'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "dashboard" -d 'Open Dkron\'s web UI through a tunnel on 127.0.0.1 and keep it open until Ctrl-C'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "manifest" -d 'Print the Dkron deployment (Services, StatefulSet, PDB, NetworkPolicy, RBAC) as YAML'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "install" -d 'Apply the Dkron deployment (server-side apply) and wait for the rollout and a leader'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "next" -d 'Show when jobs fire next, computed the way Dkron computes it'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "validate" -d 'Check tier1.toml offline: everything sync-tier1 checks, plus the hazards of HTTP jobs'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "export" -d 'Write live Dkron jobs as tier1.toml entries, to adopt jobs that already exist'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "run" -d 'Trigger a job now (waits for the execution unless --no-wait)'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "pause" -d 'Pause a job (disable it) and record who paused it and why'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "resume" -d 'Resume a paused job (enable it) and clear its pause record'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "history" -d 'Show a job\'s executions, newest first (Dkron keeps the last 100)'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "trace" -d 'Show a job\'s recent fires end to end: slot, executions, what Restate did'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "audit" -d 'Check the soak: each job\'s expected fires against what Dkron and Restate did'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from cron" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from help" -f -a "cron" -d 'Manage the Dkron jobs that fire Restate pipelines on a schedule'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand restate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand help; and not __fish_seen_subcommand_from restate help" -f -a "restate" -d 'Restate pipelines and what schedules them'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand help; and not __fish_seen_subcommand_from restate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c joelclaw -n "__fish_joelclaw_using_subcommand help; and __fish_seen_subcommand_from restate" -f -a "cron" -d 'Manage the Dkron jobs that fire Restate pipelines on a schedule'
