-- wrk script for durable single-item pushes (bench/pushes.py): every request is
--   PUT <PUSH_PATH>?documentId=<unique per request>
-- with a small JSON body carrying inline `data` and the API key as a Bearer token.
-- The same script drives Sluice and the nginx peer. Each thread counts the statuses it got;
-- done() prints them as one line: `statuses {"202":N,...}`.
local path = os.getenv("PUSH_PATH") or "/push/v1/organizations/local/sources/local-default/documents"
local key = os.getenv("PUSH_KEY") or ""
local tag = os.getenv("PUSH_TAG") or "run"

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  n = 0
  statuses = {}
  prefix = path .. "?documentId=bench%3A%2F%2F" .. tag .. "%2Ft" .. id .. "%2F"
  wrk.method = "PUT"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

function request()
  n = n + 1
  local body = '{"title":"Push ' .. n .. '","data":"A small item pushed by the durable push' ..
    ' benchmark, thread ' .. id .. ' number ' .. n .. '. It carries a few words of text.",' ..
    '"fileExtension":".txt","author":"bench"}'
  return wrk.format(nil, prefix .. n, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for status, count in pairs(counts) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(total) do
    table.insert(parts, '"' .. status .. '":' .. count)
  end
  io.write("statuses {" .. table.concat(parts, ",") .. "}\n")
end
