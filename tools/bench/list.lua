-- ListObjectsV2 pages of 1000 keys starting after a random key of the BENCH_KEYS filled ones.
local bucket = os.getenv("BENCH_BUCKET") or "/bench"
local total = tonumber(os.getenv("BENCH_KEYS") or "1000")
math.randomseed(1)
request = function()
  local from = math.random(0, math.max(total - 1000, 0))
  return wrk.format("GET", string.format("%s?list-type=2&max-keys=1000&start-after=k%07d",
                                         bucket, from))
end
