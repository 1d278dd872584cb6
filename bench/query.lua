-- wrk script: POST hybrid queries to one dataset, cycling through realistic questions.
-- Expects the environment variables STRONGROOM_DATASET and STRONGROOM_KEY (read by wrk's Lua
-- through os.getenv, so the key never appears on a command line).
local dataset = os.getenv("STRONGROOM_DATASET")
local key = os.getenv("STRONGROOM_KEY")
local mode = os.getenv("STRONGROOM_MODE") or "hybrid"
local questions = {
  "What did the Commission propose about fisheries?",
  "safety of nuclear power plants",
  "rights of workers and social policy",
  "budget for agriculture and rural development",
  "human rights in third countries",
  "transport and the environment",
  "the euro and monetary union",
  "enlargement negotiations with candidate countries",
}
local n = 0
request = function()
  n = n + 1
  local q = questions[(n % #questions) + 1]
  local body = '{"query":"' .. q .. '","mode":"' .. mode .. '","limit":5}'
  return wrk.format("POST", "/v1/datasets/" .. dataset .. "/query",
    {["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
  -- status errors are non-2xx/3xx answers (e.g. 429 when rate limits are on): a run with any is suspect
  io.write(string.format('{"requests":%d,"duration_s":%.1f,"rps":%.1f,"p50_ms":%.2f,"p99_ms":%.2f,"errors":%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
