"""Two functions of known cost: `python_work` spins in the interpreter,
`library_work` spends its time inside the standard library's json encoder
(library code, charged to the calling line unless --detailed)."""
import json
import time


def python_work(seconds):
    end = time.time() + seconds
    n = 0
    while time.time() < end:  # @spin
        n += 1
    return n


def library_work(seconds):
    data = [{"k%d" % i: [i, str(i), i * 0.5]} for i in range(2000)]
    end = time.time() + seconds
    while time.time() < end:
        json.dumps(data)  # @dumps


def main():
    python_work(0.5)
    library_work(0.5)


if __name__ == "__main__":
    main()
