"""Grade-school word problems (`data synth --kind word`): schemas filling a draft of sentences and named
program lines, in English and Chinese, each program run before its row is written."""
