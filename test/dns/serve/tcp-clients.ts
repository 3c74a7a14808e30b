import t from 'tap'
import { clientKey, TcpClientTable, type TcpClientEntry } from '../../../src/dns/serve/tcp-clients.js'

t.test('clientKey: IPv4 as is, IPv4-mapped as IPv4, IPv6 by /64', async (t) => {
  const cases: [string, string][] = [
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff::1%eth0', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['not-an-ip', 'not-an-ip'],
    ['1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8:9'],
  ]
  for (const [ip, key] of cases) t.equal(clientKey(ip), key, ip)
  t.equal(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:2:aaaa::2'), 'one /64, one client')
  t.not(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:3::1'), 'next /64, another client')
})

const entry = (key: string, inflight = 0): TcpClientEntry => ({ key, inflight, lastActive: 0 })

t.test('admits below both limits', async (t) => {
  const table = new TcpClientTable(4, 2)
  t.same(table.admit('a'), { admit: true })
  table.add(entry('a'))
  t.same(table.admit('a'), { admit: true })
  t.equal(table.countFor('a'), 1)
})

t.test('a client at its cap gives up its least recently active idle connection', async (t) => {
  const table = new TcpClientTable(10, 2)
  const first = entry('a')
  const second = entry('a')
  table.add(first)
  table.add(second)
  table.touch(first) // first is now the more recently used
  t.same(table.admit('a'), { admit: true, evict: second })
  second.inflight = 1
  t.same(table.admit('a'), { admit: true, evict: first })
  first.inflight = 1
  t.same(table.admit('a'), { admit: false, reason: 'client_limit' }, 'nothing idle: the newcomer is refused')
})

t.test('a full server evicts the oldest idle connection of the busiest client, never a lighter one', async (t) => {
  const table = new TcpClientTable(4, 4)
  const light = entry('light')
  table.add(light)
  const heavy = [entry('heavy'), entry('heavy'), entry('heavy')]
  for (const e of heavy) table.add(e)
  t.equal(table.size, 4)
  t.same(table.admit('new'), { admit: true, evict: heavy[0] }, 'light is older but heavy is busiest')
  heavy.forEach((e) => (e.inflight = 1))
  t.same(table.admit('new'), { admit: true, evict: light }, 'next busiest client with an idle connection')
  t.same(table.admit('light'), { admit: false, reason: 'server_full' }, 'a client never displaces one no busier than itself')
  light.inflight = 1
  t.same(table.admit('new'), { admit: false, reason: 'server_full' }, 'nothing idle anywhere')
})

t.test('delete is idempotent and frees the slot', async (t) => {
  const table = new TcpClientTable(1, 1)
  const e = entry('a')
  table.add(e)
  table.delete(e)
  table.delete(e)
  t.equal(table.size, 0)
  t.equal(table.countFor('a'), 0)
  t.same(table.admit('b'), { admit: true })
})
