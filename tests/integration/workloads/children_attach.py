"""An attach target with children: one Python child (old_hot) runs from
the start until the file argv[1] exists, and writes to argv[1] + ".json"
the CPU time it had spent when it said it runs (0.3 s at least) and in
all. Once it runs, the script writes "ready PID" to $FAH_READY and waits
for a line on $FAH_GO; then it starts a second Python child that spends
0.4 s of CPU in new_hot(), waits for it, prints "done OLD_PID NEW_PID" and
waits for the first child."""
import json
import os
import subprocess
import sys
import time


def old_hot(stop_file, ready_fd):
    total = 0
    at_ready = None
    while not os.path.exists(stop_file):
        for i in range(2000):  # @old_hot
            total += i * i
        if at_ready is None and time.thread_time() >= 0.3:
            at_ready = time.thread_time()
            os.write(ready_fd, b"x")
    with open(stop_file + ".json", "w") as f:
        json.dump({"at_ready": at_ready, "final": time.thread_time()}, f)


def new_hot(seconds):
    start = time.thread_time()
    total = 0
    while time.thread_time() - start < seconds:
        for i in range(2000):  # @new_hot
            total += i * i


def main():
    stop_file = sys.argv[1]
    ready_r, ready_w = os.pipe()
    old = subprocess.Popen([sys.executable, __file__, "--old", stop_file, str(ready_w)],
                           pass_fds=(ready_w,))
    os.read(ready_r, 1)
    with open(os.environ["FAH_READY"], "w") as f:
        f.write("ready %d\n" % os.getpid())
    with open(os.environ["FAH_GO"]) as f:
        f.readline()
    new = subprocess.Popen([sys.executable, __file__, "--new"])
    new.wait()
    print("done %d %d" % (old.pid, new.pid), flush=True)
    sys.exit(old.wait())


if __name__ == "__main__":
    if sys.argv[1] == "--old":
        old_hot(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "--new":
        new_hot(0.4)
    else:
        main()
