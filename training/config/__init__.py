"""Run configs as data: the one loader, the keys MindFormers accepts, every `type:` checked against
its registry, YAML editing, migration from MindFormers 1.1 and deriving a preset for a card count."""
