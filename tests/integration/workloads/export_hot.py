"""One hot function for the export tests: `hot` spins on its loop line
(@hot) four times as long as `warm` does on its (@warm), so the hottest
frame of any flame graph or table is hot's loop line."""
import time


def hot():
    end = time.perf_counter() + 0.6
    while time.perf_counter() < end:  # @hot
        pass


def warm():
    end = time.perf_counter() + 0.15
    while time.perf_counter() < end:  # @warm
        pass


if __name__ == "__main__":
    hot()
    warm()
