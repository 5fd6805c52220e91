-- netrt on NodeMCU: TCP both ways. The device serves a page on port 80
-- (curl http://<its address>/ from the network) and, once it has an
-- address, fetches http://peer.netrt.test:8080/hello.txt and prints what
-- came back. The tests run it unchanged against a Python HTTP server.
local PEER = "peer.netrt.test"
local PEER_PORT = 8080
local PATH = "/hello.txt"

local netrt = require("netrt")

local function serve()
  netrt.listen({
    port = 80,
    onAccept = function(s)
      local request = ""
      s.onReadable = function()
        request = request .. s:read()
        -- The request ends with an empty line; what it asks for does not matter here.
        if not request:find("\r\n\r\n", 1, true) then return end
        local body = "hello from " .. netrt.hostname() .. " at " .. netrt.address() .. "\n"
        s:write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body)
        s:close()
        print("served " .. request:match("^[^\r]*") .. " to " .. s.remoteAddress)
      end
    end,
  })
end

local function fetch()
  local response = ""
  local s
  s = netrt.tcp({
    host = PEER,
    port = PEER_PORT,
    onConnect = function()
      s:write("GET " .. PATH .. " HTTP/1.0\r\nHost: " .. PEER .. "\r\n\r\n")
    end,
    onReadable = function()
      response = response .. s:read()
    end,
    onEnd = function()
      s:close()
    end,
    onClose = function(err)
      if err ~= nil then
        print("fetch " .. PEER .. ":" .. PEER_PORT .. PATH .. ": " .. err)
        return
      end
      local at = response:find("\r\n\r\n", 1, true) or #response
      local body = response:sub(at + 4)
      print("fetched " .. response:match("^[^\r]*") .. ", " .. #body .. " bytes: " .. body:match("^[^\n]*"))
    end,
  })
end

netrt.start({
  hostname = "http-nodemcu",
  onBound = function(info)
    print("bound " .. info.address .. "/" .. info.prefix .. " gateway " .. info.gateway)
    fetch()
  end,
})
serve()
