"""A tuned model answering: loading it, KV-cache decoding, sampling and voting, the program turn run in
the sandbox, and `mathtune predict`."""
