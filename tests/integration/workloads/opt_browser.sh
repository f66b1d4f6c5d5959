#!/bin/sh
# A stand-in web browser for the plotly test: records that a window would
# have opened, then fetches the page plotly serves (it waits for that).
echo shown >> "$FAH_TEST_SHOWN"
/usr/bin/python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10).read()' "$1" &
