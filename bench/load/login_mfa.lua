-- POST /auth/login/mfa: the second step of a login, no password hash involved. Each line of the
-- file is a ticket and an unused TOTP code; each is sent once (a code works once), the threads
-- splitting the lines. The run (-d) must end before the lines do: past the end, the last pair is
-- sent again, refused, and counted in `failed`, which must stay 0 for the figure to stand.
-- wrk ... -s login_mfa.lua URL -- MFA_FILE NTHREADS
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

local mine, at = {}, 0
failed = 0  -- global: read by done() through thread:get()

function init(args)
  local all = read_lines(args[1])
  local nthreads = tonumber(args[2])
  for i = 1, #all do
    if (i - 1) % nthreads == tid then mine[#mine + 1] = all[i] end
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  at = at + 1
  local line = mine[at] or mine[#mine]  -- past the end: a spent pair, answered 401 and stopped below
  local ticket, code = line:match("^(%S+) (%S+)$")
  return wrk.format("POST", "/auth/login/mfa", nil,
    '{"mfa_ticket":"' .. ticket .. '","method":"totp","code":"' .. code .. '"}')
end

function response(status, headers, body)
  if status ~= 200 then failed = failed + 1 end
end

function done(summary, latency, requests)
  local f = 0
  for _, th in ipairs(wrk_threads) do f = f + (th:get("failed") or 0) end
  io.write(string.format("login_mfa.lua: failed=%d\n", f))
end
