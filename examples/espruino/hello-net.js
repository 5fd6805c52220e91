// netrt on Espruino: the device's own program. It starts the network with
// DHCP, says when the link and the lease come, finds a server by name
// (DNS), sends it a datagram and prints the answer; SNTP sets the clock and
// mDNS answers for <hostname>.local meanwhile.
//
// It also answers on UDP port 7001: whatever arrives goes back to its sender.
//
// Upload the board's netrt module first (npm run flash -- --board NAME
// --program examples/espruino/hello-net.js). Change PEER and PORT for
// your network: the tests run this program unchanged against a DNS server
// that knows peer.netrt.test and a UDP echo server on port 7000.
var PEER = "peer.netrt.test";
var PORT = 7000;

var netrt = require("netrt");

function talk(address) {
  var sock = netrt.udp({
    onReadable: function () {
      var d = sock.read();
      while (d !== undefined) {
        print("reply from " + d.address + ":" + d.port + ": " + d.data);
        d = sock.read();
      }
    },
  });
  var err = sock.write("hello from " + netrt.hostname(), address, PORT);
  if (err !== 0) print("send failed: " + err);
}

function serveEcho() {
  var echo = netrt.udp({
    port: 7001,
    onReadable: function () {
      var d = echo.read();
      while (d !== undefined) {
        echo.write(d.data, d.address, d.port);
        d = echo.read();
      }
    },
  });
}

netrt.start({
  hostname: "hello-espruino",
  onLink: function (up) {
    print("link " + (up ? "up" : "down"));
  },
  onBound: function (info) {
    print("bound " + info.address + "/" + info.prefix + " gateway " + info.gateway + " dns " + info.dns.join(","));
    netrt.lookup(PEER, function (err, address) {
      if (err !== undefined) {
        print("lookup " + PEER + ": " + err);
        return;
      }
      print("lookup " + PEER + ": " + address);
      talk(address);
    });
  },
  onLost: function (address) {
    print("lost " + address);
  },
  onTime: function (ms) {
    print("time " + new Date(ms).toISOString());
  },
  onName: function (name) {
    print("mdns " + name + ".local");
  },
});
serveEcho();
