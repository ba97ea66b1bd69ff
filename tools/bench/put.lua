-- PUT 1 KiB bodies to fresh keys; with INM=1 in the environment each carries If-None-Match: *.
local n = 0
local body = string.rep("x", 1024)
local prefix = os.getenv("BENCH_PREFIX") or "/bench/k"
local headers = {}
if os.getenv("INM") == "1" then headers["If-None-Match"] = "*" end
request = function()
  n = n + 1
  return wrk.format("PUT", prefix .. n, headers, body)
end
