"""`mathtune simulate`: one rank of a parallel run compiled on a CPU under MindSpore's dryrun (with the
fake CANN stubs it needs), and the pure rules that read its result."""
