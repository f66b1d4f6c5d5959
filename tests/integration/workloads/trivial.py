"""Does almost nothing: used where only the profiler's reaction matters."""
print("trivial workload ran")
