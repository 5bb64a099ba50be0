"""`python -m adbench.bench`: speed, memory and accuracy of the feature methods on one table."""
