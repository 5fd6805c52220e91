// Espruino's own network modules over netrt: once netrt.start() has run,
// require("http"), require("net") and require("dgram") go through netrt's
// TCP, UDP sockets and DNS (NetworkJS), unchanged. The program fetches
// http://peer.netrt.test:8080/hello.txt with http.get, asks the same server
// for the file's headers through a plain net socket, sends a datagram to
// the UDP echo on port 7000 with dgram, and serves a page on port 80 with
// http.createServer. The tests run it unchanged against Python's
// http.server and a socat UDP echo.
var PEER = "peer.netrt.test";
var URL = "http://" + PEER + ":8080/hello.txt";

var netrt = require("netrt");

function get() {
  require("http")
    .get(URL, function (res) {
      var body = "";
      res.on("data", function (d) {
        body += d;
      });
      res.on("close", function () {
        print("http.get " + res.statusCode + ", " + body.length + " bytes: " + body.split("\n")[0]);
      });
    })
    .on("error", function (e) {
      print("http.get " + URL + ": " + e.message);
    });
}

function head() {
  var answer = "";
  var sock = require("net").connect({ host: PEER, port: 8080 }, function () {
    sock.write("HEAD /hello.txt HTTP/1.0\r\nHost: " + PEER + "\r\n\r\n");
  });
  sock.on("data", function (d) {
    answer += d;
  });
  sock.on("close", function () {
    print("net: " + answer.split("\r\n")[0]);
  });
  sock.on("error", function (e) {
    print("net: " + e.message);
  });
}

// dgram wants an address: Espruino's NetworkJS passes no name along with a datagram.
function echo(address) {
  var sock = require("dgram").createSocket("udp4");
  sock.on("message", function (msg, rinfo) {
    print("dgram reply from " + rinfo.address + ":" + rinfo.port + ": " + msg);
    sock.close();
  });
  sock.send("hello over dgram", 7000, address);
}

netrt.start({
  hostname: "modules-espruino",
  onBound: function (info) {
    print("bound " + info.address + "/" + info.prefix + " gateway " + info.gateway);
    get();
    head();
    netrt.lookup(PEER, function (err, address) {
      if (err !== undefined) print("lookup " + PEER + ": " + err);
      else echo(address);
    });
  },
});

require("http")
  .createServer(function (req, res) {
    var body = "hello from " + netrt.hostname() + " through Espruino's http\n";
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": body.length });
    res.end(body);
    print("served " + req.method + " " + req.url);
  })
  .listen(80);
