// MQTT.js (the npm package "mqtt", as browsers and Node use it) against a Midge WebSocket listener:
//   node roundtrip.js URL CA_FILE_OR_EMPTY TOPIC
// Connects, subscribes to TOPIC, publishes to it, prints "topic|payload" of what comes back and exits 0;
// exits non-zero with the reason on stderr on any error, or after 15 seconds.
const fs = require("fs");
const mqtt = require("mqtt");

const [url, ca, topic] = process.argv.slice(2);
const options = { clientId: "mqttjs-" + topic.replace(/\W/g, "-"), connectTimeout: 10000, reconnectPeriod: 0 };
if (ca) {
  options.ca = fs.readFileSync(ca);
}
setTimeout(() => {
  console.error("no message back within 15 s");
  process.exit(2);
}, 15000).unref();
const client = mqtt.connect(url, options);
let done = false;
client.on("error", (e) => {
  if (done) {
    return; // the broker closes on DISCONNECT, possibly before the WebSocket closing handshake is through
  }
  console.error("mqtt.js: " + e.message);
  process.exit(1);
});
client.on("connect", () => {
  client.subscribe(topic, { qos: 1 }, (err) => {
    if (err) {
      console.error("subscribe: " + err.message);
      process.exit(1);
    }
    client.publish(topic, "hello from mqtt.js", { qos: 1 });
  });
});
client.on("message", (t, payload) => {
  console.log(t + "|" + payload.toString());
  done = true;
  client.end(false, () => process.exit(0));
});
