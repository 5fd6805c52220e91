// netrt on Espruino: TCP both ways through netrt's own stack. The device
// serves a page on port 80 (curl http://<its address>/ from the network)
// and, once it has an address, fetches http://peer.netrt.test:8080/hello.txt
// and prints what came back. The tests run it unchanged against a Python
// HTTP server.
var PEER = "peer.netrt.test";
var PEER_PORT = 8080;
var PATH = "/hello.txt";

var netrt = require("netrt");

function serve() {
  netrt.listen({
    port: 80,
    onAccept: function (s) {
      var request = "";
      s.onReadable = function () {
        request += s.read();
        // The request ends with an empty line; what it asks for does not matter here.
        if (request.indexOf("\r\n\r\n") < 0) return;
        var body = "hello from " + netrt.hostname() + " at " + netrt.address() + "\n";
        s.write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length + "\r\n\r\n" + body);
        s.close();
        print("served " + request.split("\r\n")[0] + " to " + s.remoteAddress);
      };
    },
  });
}

function fetch() {
  var response = "";
  var s = netrt.tcp({
    host: PEER,
    port: PEER_PORT,
    onConnect: function () {
      s.write("GET " + PATH + " HTTP/1.0\r\nHost: " + PEER + "\r\n\r\n");
    },
    onReadable: function () {
      response += s.read();
    },
    onEnd: function () {
      s.close();
    },
    onClose: function (err) {
      if (err !== undefined) {
        print("fetch " + PEER + ":" + PEER_PORT + PATH + ": " + err);
        return;
      }
      var head = response.split("\r\n\r\n")[0];
      var body = response.substring(head.length + 4);
      print("fetched " + head.split("\r\n")[0] + ", " + body.length + " bytes: " + body.split("\n")[0]);
    },
  });
}

netrt.start({
  hostname: "http-espruino",
  onBound: function (info) {
    print("bound " + info.address + "/" + info.prefix + " gateway " + info.gateway);
    fetch();
  },
});
serve();
