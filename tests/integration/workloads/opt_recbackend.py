"""A matplotlib backend that draws off screen (Agg) and, when asked to show
its figures, records that a window would have opened: it appends a line to
the file named by FAH_TEST_SHOWN (set by the test in the script's
environment)."""
import os

from matplotlib.backend_bases import _Backend
from matplotlib.backends.backend_agg import FigureCanvasAgg, _BackendAgg


@_Backend.export
class _BackendRecording(_BackendAgg):
    FigureCanvas = FigureCanvasAgg

    @staticmethod
    def show(*args, **kwargs):
        with open(os.environ["FAH_TEST_SHOWN"], "a") as out:
            out.write("shown\n")
