-- wrk: each connection waits the first script argument (whole milliseconds) after each response before it sends
-- the next request, so C connections offer about C / (delay + latency) requests per second (wrk ... -s delay.lua
-- URL -- MS). bench/run.py uses it to measure latency at half of a server's maximum throughput.
local wait_ms = 0

function init(args)
  wait_ms = tonumber(args[1]) or 0
end

function delay()
  return wait_ms
end
