"""`mathtune data …`: one module per group of subcommands, over the converter packages."""
