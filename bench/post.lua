-- wrk: POST the JSON file named by the first script argument (wrk ... -s post.lua URL -- FILE).
function init(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.method = "POST"
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "application/json"
end
