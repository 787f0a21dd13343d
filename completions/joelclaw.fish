complete --keep-order --exclusive --command joelclaw --arguments "(COMPLETE=fish joelclaw -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
