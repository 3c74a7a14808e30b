import t from 'tap'
import { isAddressAllowed, parseNetworks } from '../../../src/dns/xfr/networks.js'

t.test('CIDRs and single addresses of both families; mapped IPv4 clients match IPv4 entries', async (t) => {
  const { networks, invalid } = parseNetworks(['192.0.2.0/24', ' 10.1.2.3 ', '2001:db8::/32', '::1', 'nonsense', '192.0.2.0/33', '10.0.0.0/x'])
  t.same(invalid, ['nonsense', '192.0.2.0/33', '10.0.0.0/x'])
  t.ok(isAddressAllowed(networks, '192.0.2.200'))
  t.ok(isAddressAllowed(networks, '::ffff:192.0.2.9'))
  t.ok(isAddressAllowed(networks, '10.1.2.3'))
  t.notOk(isAddressAllowed(networks, '10.1.2.4'))
  t.ok(isAddressAllowed(networks, '2001:db8:ffff::1'))
  t.ok(isAddressAllowed(networks, '::1'))
  t.notOk(isAddressAllowed(networks, '2001:db9::1'))
  t.notOk(isAddressAllowed(networks, undefined))
  t.notOk(isAddressAllowed(networks, 'garbage'))
  t.ok(isAddressAllowed(parseNetworks(['0.0.0.0/0']).networks, '203.0.113.1'), '/0 is everything of the family')
  t.notOk(isAddressAllowed(parseNetworks(['0.0.0.0/0']).networks, '2001:db8::1'))
  t.notOk(isAddressAllowed([], '127.0.0.1'), 'empty: nobody')
})
