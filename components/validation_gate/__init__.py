"""ValidationGate: fail the run before training when the data has anomalies."""
