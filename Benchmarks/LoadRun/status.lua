-- Counts the answers by status in each wrk thread and prints them at the end, with the 5xx other than 503 and
-- the 503 without Retry-After named apart (the load run's rule: never a 5xx but 503 with Retry-After).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  bad503 = 0
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 503 and headers["Retry-After"] == nil and headers["retry-after"] == nil then bad503 = bad503 + 1 end
end

function done(summary, latency, requests)
  local total, bad = {}, 0
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
    bad = bad + t:get("bad503")
  end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, k .. "=" .. v) end
  table.sort(parts)
  io.write(string.format("statuses: %s; 503 without Retry-After: %d\n", table.concat(parts, " "), bad))
  io.write(string.format("latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d requests, %.0f per second\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, summary.requests,
    summary.requests / (summary.duration / 1e6)))
end
