/** Minimal DNS client for tests: one query over UDP or TCP to 127.0.0.1, bounded by a timeout. */
import dgram from 'node:dgram'
import net from 'node:net'
import dnsPacket, { type DecodedPacket } from 'dns-packet'
import './dns-packet.js'

export async function queryUdp(port: number, name: string, type: string, timeoutMs = 2000, host = '127.0.0.1'): Promise<DecodedPacket> {
  const sock = dgram.createSocket('udp4')
  const id = Math.floor(Math.random() * 65535)
  const msg = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }] })
  try {
    return await new Promise<DecodedPacket>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no UDP answer for ${name} ${type} within ${timeoutMs} ms`)), timeoutMs)
      sock.on('message', (buf) => {
        clearTimeout(timer)
        resolve(dnsPacket.decode(buf))
      })
      sock.send(msg, port, host)
    })
  } finally {
    sock.close()
  }
}

export async function queryTcp(port: number, name: string, type: string, timeoutMs = 2000, host = '127.0.0.1'): Promise<DecodedPacket> {
  const msg = dnsPacket.streamEncode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }] })
  return new Promise<DecodedPacket>((resolve, reject) => {
    const socket = net.connect(port, host)
    let buf = Buffer.alloc(0)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no TCP answer for ${name} ${type} within ${timeoutMs} ms`))
    }, timeoutMs)
    socket.on('connect', () => socket.write(msg))
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer)
        socket.destroy()
        resolve(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))))
      }
    })
    socket.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
  })
}
