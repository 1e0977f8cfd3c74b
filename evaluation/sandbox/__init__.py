"""Running a model's program: a separate, limited interpreter under bubblewrap (namespaces, seccomp,
cgroups), with sympy and mpmath importable and nothing else outside the standard library."""
