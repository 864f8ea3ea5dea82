-- wrk script for bench/soak.py: readers browsing, and one request in ten a new comment.
-- Arguments: comment path, CSRF cookie, CSRF token, signed form time, then the pages to read.
-- Each comment comes from its own reader (X-Forwarded-For, e-mail), so the rate limit
-- lets it through and it is stored; soak.py checks that every accepted one was.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  comment_path, cookie, token, shown_at = args[1], args[2], args[3], args[4]
  pages = {}
  for i = 5, #args do
    table.insert(pages, args[i])
  end
  statuses = {}
  sent = 0
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0))
end

function request()
  sent = sent + 1
  if sent % 10 == 0 then
    local n = math.random(1, 2000000000)
    local body = "csrfmiddlewaretoken=" .. token
      .. "&author_name=Soak+reader&author_email=reader" .. n .. "%40example.org"
      .. "&body=Soak+comment+" .. n .. "&website=&reply_to=&shown_at=" .. shown_at
    local headers = {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = "csrftoken=" .. cookie,
      ["X-Forwarded-For"] = string.format("10.%d.%d.%d", n % 256, math.floor(n / 256) % 256, math.floor(n / 65536) % 256),
    }
    return wrk.format("POST", comment_path, headers, body)
  end
  return wrk.format("GET", pages[sent % #pages + 1])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(total) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  io.write(string.format(
    'SOAK {"statuses": {%s}, "requests": %d, "seconds": %.1f, "p50_ms": %.2f, "p99_ms": %.2f, '
      .. '"socket_errors": %d}\n',
    table.concat(parts, ", "), summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  ))
end
