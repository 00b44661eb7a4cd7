// The floor for a DNS responder in Node: a dgram socket that sends every datagram straight back
// with the QR bit set (so dnsperf counts it as an answer). Whatever a responder written in Node
// spends beyond this is its own. Usage: node bench/dns-echo-server.ts IP PORT
import { createSocket } from 'node:dgram';

const [ip, port] = process.argv.slice(2);
const sock = createSocket(ip.includes(':') ? 'udp6' : 'udp4');
sock.on('message', (msg, rinfo) => {
  msg[2] |= 0x80;
  sock.send(msg, rinfo.port, rinfo.address);
});
sock.bind(Number(port), ip, () => console.log('listening'));
process.on('SIGTERM', () => sock.close(() => process.exit(0)));
