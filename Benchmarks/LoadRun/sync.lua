-- POST /api/v1/sync with a batch of 5 new supports for the residents in RESIDENTS (comma-separated ids), each
-- with a fresh id and one of the services in SERVICES: every request writes.
dofile(os.getenv("STATUS_LUA"))
local residents = {}
for id in string.gmatch(os.getenv("RESIDENTS"), "[^,]+") do table.insert(residents, id) end
local services = {}
for code in string.gmatch(os.getenv("SERVICES"), "[^,]+") do table.insert(services, code) end
local day = os.getenv("DAY")
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)

local function uuid()
  return string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end)
end

request = function()
  local items = {}
  for i = 1, 5 do
    items[i] = string.format('{"id":"%s","resident":"%s","service":"%s","outcome":"done","on":"%s"}', uuid(),
      residents[math.random(#residents)], services[math.random(#services)], day)
  end
  local body = '{"households":[],"residents":[],"activities":[' .. table.concat(items, ",") .. ']}'
  return wrk.format("POST", "/api/v1/sync", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("TOKEN") }, body)
end
