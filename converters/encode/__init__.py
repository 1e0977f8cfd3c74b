"""Conversations to what trainers read: token ids and labels, MindRecord (packed or not), tokenizers,
exports for other trainers, length statistics and the judge's token budget."""
