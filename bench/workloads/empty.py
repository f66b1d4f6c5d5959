"""Bench workload: does nothing, so a run measures start-up and tear-down
only (the whole command, profiled or not). Ignores its arguments."""
