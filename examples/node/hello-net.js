// netrt on Node.js (the development host): the same program as the
// Espruino and NodeMCU examples, on the host link. Run it with the host
// board's module on the path:
//   npm run build -- --board host-app
//   NODE_PATH=dist/host-app node examples/node/hello-net.js
// It also answers on UDP port 7001: whatever arrives goes back to its
// sender. Change PEER and PORT for your network: the tests run this program
// unchanged against a DNS server that knows peer.netrt.test and a UDP echo
// server on port 7000.
const PEER = "peer.netrt.test";
const PORT = 7000;

const netrt = require("netrt");

function talk(address) {
  const sock = netrt.udp({
    onReadable() {
      for (let d = sock.read(); d !== undefined; d = sock.read())
        console.log(`reply from ${d.address}:${d.port}: ${d.data}`);
    },
  });
  const err = sock.write(`hello from ${netrt.hostname()}`, address, PORT);
  if (err !== 0) console.log(`send failed: ${err}`);
}

function serveEcho() {
  const echo = netrt.udp({
    port: 7001,
    onReadable() {
      for (let d = echo.read(); d !== undefined; d = echo.read()) echo.write(d.data, d.address, d.port);
    },
  });
}

netrt.start({
  hostname: "hello-node",
  onLink: (up) => console.log(`link ${up ? "up" : "down"}`),
  onBound(info) {
    console.log(`bound ${info.address}/${info.prefix} gateway ${info.gateway} dns ${info.dns.join(",")}`);
    netrt.lookup(PEER, (err, address) => {
      if (err !== undefined) return console.log(`lookup ${PEER}: ${err}`);
      console.log(`lookup ${PEER}: ${address}`);
      talk(address);
    });
  },
  onLost: (address) => console.log(`lost ${address}`),
  onTime: (ms) => console.log(`time ${new Date(ms).toISOString()}`),
  onName: (name) => console.log(`mdns ${name}.local`),
});

serveEcho();

// Ctrl-C: say goodbye on mDNS, release the lease, then leave.
process.once("SIGINT", () => netrt.stop(() => process.exit(0)));
process.once("SIGTERM", () => netrt.stop(() => process.exit(0)));
