-- wrk script: POSTs one JSON body over and over, then prints a single line the driver parses.
--   BODY_FILE      file holding the request body (required)
--   BENCH_API_KEY  sent as "Authorization: Bearer <key>"

local function read_file(path)
	local f = assert(io.open(path, "rb"), "cannot open BODY_FILE " .. tostring(path))
	local text = f:read("*a")
	f:close()
	return text
end

wrk.method = "POST"
wrk.body = read_file(assert(os.getenv("BODY_FILE"), "BODY_FILE is not set"))
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
local key = os.getenv("BENCH_API_KEY")
if key and key ~= "" then
	wrk.headers["Authorization"] = "Bearer " .. key
end

-- No response() callback on purpose: defining one makes wrk hand every body to Lua, which
-- costs the load generator CPU it shares with the mock. Error counts come from the summary
-- (wrk counts any status >= 400 as a status error).
function done(summary, latency, requests)
	local seconds = summary.duration / 1e6
	local e = summary.errors
	io.write(string.format(
		"BENCH_RESULT rps=%.2f p50_us=%d p90_us=%d p99_us=%d requests=%d non2xx=%d socket_errors=%d\n",
		summary.requests / seconds,
		latency:percentile(50), latency:percentile(90), latency:percentile(99),
		summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
