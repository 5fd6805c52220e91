-- netrt on NodeMCU: the device's own program (init.lua, or run from it).
-- It starts the network with DHCP, says when the link and the lease come,
-- finds a server by name (DNS), sends it a datagram and prints the answer;
-- SNTP sets the clock (rtctime) and mDNS answers for <hostname>.local.
-- It also answers on UDP port 7001: whatever arrives goes back to its sender.
--
-- Upload the board's netrt module first (npm run flash -- --board NAME
-- --program examples/nodemcu/hello-net.lua). Change PEER and PORT for
-- your network: the tests run this program unchanged against a DNS server
-- that knows peer.netrt.test and a UDP echo server on port 7000.
local PEER = "peer.netrt.test"
local PORT = 7000

local netrt = require("netrt")

local function talk(address)
  local sock
  sock = netrt.udp({
    onReadable = function()
      local d = sock:read()
      while d ~= nil do
        print("reply from " .. d.address .. ":" .. d.port .. ": " .. d.data)
        d = sock:read()
      end
    end,
  })
  local err = sock:write("hello from " .. netrt.hostname(), address, PORT)
  if err ~= 0 then print("send failed: " .. err) end
end

local function serveEcho()
  local echo
  echo = netrt.udp({
    port = 7001,
    onReadable = function()
      local d = echo:read()
      while d ~= nil do
        echo:write(d.data, d.address, d.port)
        d = echo:read()
      end
    end,
  })
end

netrt.start({
  hostname = "hello-nodemcu",
  onLink = function(up)
    print("link " .. (up and "up" or "down"))
  end,
  onBound = function(info)
    print("bound " .. info.address .. "/" .. info.prefix .. " gateway " .. info.gateway
      .. " dns " .. table.concat(info.dns, ","))
    netrt.lookup(PEER, function(err, address)
      if err ~= nil then
        print("lookup " .. PEER .. ": " .. err)
        return
      end
      print("lookup " .. PEER .. ": " .. address)
      talk(address)
    end)
  end,
  onLost = function(address)
    print("lost " .. address)
  end,
  onTime = function(ms)
    -- rtctime has the time now too (rtctime.get(), rtctime.epoch2cal()).
    print("time " .. math.floor(ms / 1000) .. " s since 1970")
  end,
  onName = function(name)
    print("mdns " .. name .. ".local")
  end,
})
serveEcho()
