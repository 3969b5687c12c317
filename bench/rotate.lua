-- wrk: rotate the Host header over COUNT workers named PREFIX0..PREFIX{COUNT-1} (wrk ... -s rotate.lua URL -- COUNT PREFIX).
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_index", counter)
end

local n, count, prefix

function init(args)
  count = tonumber(args[1])
  prefix = args[2] or "w"
  n = ((thread_index or 1) - 1) * math.floor(count / 2) -- threads start half the ring apart
end

function request()
  n = (n + 1) % count
  return wrk.format(nil, nil, { Host = prefix .. n .. ".localhost" })
end
