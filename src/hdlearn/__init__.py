"""hdlearn: a replication pipeline for four papers on what gradient descent learns in high
dimension."""

__version__ = "0.1.0"
