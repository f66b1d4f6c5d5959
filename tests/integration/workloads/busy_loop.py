"""A busy loop that occupies one core until killed: the load a profiled
workload runs beside in the busy-machine cases. Says ready (a line into
the FIFO named by $FAH_READY) once it spins."""
import os

with open(os.environ["FAH_READY"], "w") as f:
    f.write("ready %d\n" % os.getpid())
while True:
    pass
