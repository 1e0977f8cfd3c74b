"""Rejection-sampling fine-tuning: sampled predictions judged by the scoring rules, the correct ones
turned into rows `data prepare` trains on."""
