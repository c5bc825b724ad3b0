-- GET the dashboard of one unit (UNIT) with an official's token.
dofile(os.getenv("STATUS_LUA"))
request = function()
  return wrk.format("GET", "/api/v1/dashboard?unit=" .. os.getenv("UNIT"), { ["Authorization"] = "Bearer " .. os.getenv("TOKEN") })
end
