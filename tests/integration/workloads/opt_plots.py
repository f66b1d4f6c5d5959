"""Plots with the recording backend and calls show(); writes the backend
in use to argv[1]."""
import json
import sys

import matplotlib

matplotlib.use("module://opt_recbackend")
import matplotlib.pyplot as plt  # noqa: E402

plt.plot([1, 2, 3], [1, 4, 9])
plt.show()
with open(sys.argv[1], "w") as out:
    json.dump({"backend": matplotlib.get_backend()}, out)
