"""Image augmentations and synthetic anomalies."""
