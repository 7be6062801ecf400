-- Shared by the wrk scripts: each thread gets an id (tid) and the thread count, so the threads
-- can split the seeded users between them.
local counter = 0
wrk_threads = {}  -- global: done() runs in the main state and reads it

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(wrk_threads, thread)
end

function read_lines(path)
  local t = {}
  for line in io.lines(path) do
    if #line > 0 then t[#t + 1] = line end
  end
  return t
end
