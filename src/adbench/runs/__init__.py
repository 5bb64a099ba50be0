"""The life of a run directory: who owns it, where training checkpoints go, how a run resumes."""
