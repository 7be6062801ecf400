-- POST /auth/refresh where every request carries the *current* refresh token of some user, so
-- every request is a real rotation. Each thread owns a disjoint set of users (one live token
-- each) in a FIFO queue; a 200 puts the rotated token (from the Set-Cookie) back. Nothing is
-- sent twice. Needs more users per thread than connections per thread.
-- wrk ... -s refresh.lua URL -- REFRESH_FILE NTHREADS
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

local q, head, tail = {}, 1, 0
starved, failed = 0, 0  -- globals: read by done() through thread:get()

local function push(t) tail = tail + 1; q[tail] = t end
local function pop()
  if head > tail then return nil end
  local t = q[head]; q[head] = nil; head = head + 1
  return t
end

function init(args)
  local all = read_lines(args[1])
  local nthreads = tonumber(args[2])
  for i = 1, #all do
    if (i - 1) % nthreads == tid then push(all[i]) end
  end
end

function request()
  local t = pop()
  if t == nil then
    starved = starved + 1
    t = "starved"
  end
  return wrk.format("POST", "/auth/refresh", { ["Cookie"] = "refresh_token=" .. t }, nil)
end

function response(status, headers, body)
  if status == 200 then
    local sc = headers["Set-Cookie"] or headers["set-cookie"] or ""
    local t = sc:match("refresh_token=([^;]+)")
    if t then push(t) else failed = failed + 1 end
  else
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local s, f = 0, 0
  for _, th in ipairs(wrk_threads) do
    s = s + (th:get("starved") or 0)
    f = f + (th:get("failed") or 0)
  end
  io.write(string.format("refresh.lua: starved=%d failed=%d\n", s, f))
end
