"""A tree whose members each exit with their own status: a forked
multiprocessing.Process (status 7) and a Python subprocess (status 5)
spin in Python until the file argv[2] exists; the script exits 3. Once
both children spin it writes "ready PID" to $FAH_READY and waits for a
line on $FAH_GO, then creates argv[2] itself, collects the children's
statuses and writes them to the JSON file argv[1]."""
import json
import multiprocessing
import os
import subprocess
import sys


def spin(go_file, ready_fd, status):
    os.write(ready_fd, b"x")
    total = 0
    while not os.path.exists(go_file):
        for i in range(2000):
            total += i * i
    sys.exit(status)


def checkpoint():
    with open(os.environ["FAH_READY"], "w") as f:
        f.write("ready %d\n" % os.getpid())
    with open(os.environ["FAH_GO"]) as f:
        f.readline()


def main():
    truth_path, go_file = sys.argv[1], sys.argv[2]
    ready_r, ready_w = os.pipe()
    forked = multiprocessing.get_context("fork").Process(target=spin,
                                                          args=(go_file, ready_w, 7))
    forked.start()
    sub = subprocess.Popen([sys.executable, __file__, "--child", go_file, str(ready_w)],
                           pass_fds=(ready_w,))
    for _ in range(2):
        os.read(ready_r, 1)
    checkpoint()
    open(go_file, "w").close()
    forked.join()
    with open(truth_path, "w") as f:
        json.dump({"forked": forked.exitcode, "subprocess": sub.wait()}, f)
    sys.exit(3)


if __name__ == "__main__":
    if sys.argv[1] == "--child":
        spin(sys.argv[2], int(sys.argv[3]), 5)
    main()
