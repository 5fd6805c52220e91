// netrt on Node.js: TCP both ways. The device serves a page on port 80
// (curl http://<its address>/ from the network) and, once it has an
// address, fetches http://peer.netrt.test:8080/hello.txt and prints what
// came back. Run it with the host board's module on the path:
//   npm run build -- --board host-app
//   NODE_PATH=dist/host-app node examples/node/http.js
// The tests run it unchanged against a Python HTTP server on the peer.
const PEER = "peer.netrt.test";
const PEER_PORT = 8080;
const PATH = "/hello.txt";

const netrt = require("netrt");

function serve() {
  netrt.listen({
    port: 80,
    onAccept(s) {
      let request = "";
      s.onReadable = () => {
        request += s.read();
        // The request ends with an empty line; what it asks for does not matter here.
        if (request.indexOf("\r\n\r\n") < 0) return;
        const body = `hello from ${netrt.hostname()} at ${netrt.address()}\n`;
        s.write(`HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        s.close();
        console.log(`served ${request.split("\r\n")[0]} to ${s.remoteAddress}`);
      };
    },
  });
}

function fetch() {
  let response = "";
  const s = netrt.tcp({
    host: PEER,
    port: PEER_PORT,
    onConnect() {
      s.write(`GET ${PATH} HTTP/1.0\r\nHost: ${PEER}\r\n\r\n`);
    },
    onReadable() {
      response += s.read();
    },
    onEnd() {
      s.close();
    },
    onClose(err) {
      if (err !== undefined) return console.log(`fetch ${PEER}:${PEER_PORT}${PATH}: ${err}`);
      const head = response.split("\r\n\r\n")[0];
      const body = response.substring(head.length + 4);
      console.log(`fetched ${head.split("\r\n")[0]}, ${body.length} bytes: ${body.split("\n")[0]}`);
    },
  });
}

netrt.start({
  hostname: "http-node",
  onBound(info) {
    console.log(`bound ${info.address}/${info.prefix} gateway ${info.gateway}`);
    fetch();
  },
});
serve();

process.once("SIGINT", () => netrt.stop(() => process.exit(0)));
process.once("SIGTERM", () => netrt.stop(() => process.exit(0)));
