"""The waits for a pooled database connection since the last call (Benchmarks/LoadRun/run.sh).

Reads a /metrics scrape on stdin and the totals of the last call from the file named by the argument; prints how many
waits ended since, their mean, and how many lasted past 0.1 s and 1 s (from the histogram lantoa_db_pool_wait_seconds);
writes the new totals to the file.
"""
import os
import re
import sys

state = sys.argv[1]
series = {}
for line in sys.stdin:
    m = re.match(r'lantoa_db_pool_wait_seconds_(count|sum|bucket)\{database="primary"(?:,le="([^"]+)")?\} (\S+)', line)
    if m:
        series[m.group(1) + (m.group(2) or "")] = float(m.group(3))
now = [series["count"], series["sum"], series["count"] - series["bucket0.1"], series["count"] - series["bucket1.0"]]
last = [float(x) for x in open(state).read().split()] if os.path.exists(state) else [0.0] * 4
count, total, past_tenth, past_second = (a - b for a, b in zip(now, last))
print("pool waits: %d, mean %.2f ms, %d past 0.1 s, %d past 1 s"
      % (count, 1000 * total / max(count, 1), past_tenth, past_second))
with open(state, "w") as f:
    f.write(" ".join(str(x) for x in now))
