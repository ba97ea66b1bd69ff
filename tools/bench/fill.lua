-- Fills a bucket with BENCH_KEYS small objects (BENCH_PREFIX .. "%07d"), then asks only for
-- the health page; tools/bench/run stops wrk once the last key is there.
local prefix = os.getenv("BENCH_PREFIX") or "/bench/k"
local total = tonumber(os.getenv("BENCH_KEYS") or "1000")
local sent = 0
request = function()
  if sent >= total then
    return wrk.format("GET", "/_lockyard/health") -- room for the last answers to come back
  end
  sent = sent + 1
  return wrk.format("PUT", string.format("%s%07d", prefix, sent), nil, "x")
end
