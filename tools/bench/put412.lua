-- PUT If-None-Match: * to one key that already exists: every answer is 412 Precondition Failed.
local body = string.rep("x", 1024)
local path = os.getenv("BENCH_PATH") or "/bench/taken"
request = function()
  return wrk.format("PUT", path, {["If-None-Match"] = "*"}, body)
end
