-- POST /auth/login cycling over the seeded users (all share one password).
-- wrk ... -s login.lua URL -- USERS_FILE PASSWORD NTHREADS
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

local users, password, nthreads, idx

function init(args)
  users = read_lines(args[1])
  password = args[2]
  nthreads = tonumber(args[3])
  idx = tid
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local email = users[(idx % #users) + 1]
  idx = idx + nthreads
  return wrk.format("POST", "/auth/login", nil, '{"email":"' .. email .. '","password":"' .. password .. '"}')
end
