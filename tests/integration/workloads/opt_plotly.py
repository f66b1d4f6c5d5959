"""Shows a plotly figure twice (fig.show() and plotly.io.show()) with the
browser renderer; writes the count of show calls that returned to argv[1]."""
import json
import sys

import plotly.graph_objects as go
import plotly.io as pio

fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 4, 9]))
fig.show(renderer="browser")
pio.show(fig, renderer="browser")
with open(sys.argv[1], "w") as out:
    json.dump({"returned": 2}, out)
