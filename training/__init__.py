"""Training and checkpoint glue over MindFormers: configs, launch, CPU patches, checkpoint tools."""
