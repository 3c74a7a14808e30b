// The floor of our runtime: a node:dgram server that does no DNS work. It sends every datagram back
// with the QR bit set (so dnsperf counts it as an answer), with the same socket buffers as our UDP
// listener and its synchronous lookup of the IP-literal destination (Node's default defers every send
// to the next tick). Usage: node bench/echo.mjs PORT   (127.0.0.1; SIGTERM stops it)
import dgram from 'node:dgram'
import net from 'node:net'

const port = Number(process.argv[2])
const BUF = 4 * 1024 * 1024 // as src/dns/serve/udp-listener.ts UDP_SOCKET_BUFFER_BYTES
const lookup = (host, _opts, cb) => cb(null, host, net.isIP(host)) // loopback clients: always an IP literal
const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: BUF, sendBufferSize: BUF, lookup })
let n = 0
sock.on('message', (msg, rinfo) => {
  n++
  msg[2] |= 0x80
  sock.send(msg, rinfo.port, rinfo.address)
})
sock.bind(port, '127.0.0.1', () => console.log(`echo on udp ${port}`))
const stop = () => sock.close(() => {
  console.log(JSON.stringify({ echoed: n }))
  process.exit(0)
})
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
