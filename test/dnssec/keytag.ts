import t from 'tap'
import { dsRdata, dsText, encodeDnskeyRdata, keyTag, parseDnskeyRdata } from '../../src/dnssec/keytag.js'
import { encodeName } from '../../src/dns/wire/rdata.js'

// RFC 4509 2.3: dskey.example.com's DNSKEY, key tag 60485, and its SHA-256 DS
const PUB =
  'AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw=='
const RDATA = encodeDnskeyRdata({ flags: 256, protocol: 3, algorithm: 5, publicKey: Buffer.from(PUB, 'base64') })

t.test('RFC 4509 2.3 example: key tag and SHA-256 DS', async (t) => {
  t.equal(keyTag(RDATA), 60485)
  const ds = dsRdata(encodeName('DSKEY.example.com')!, RDATA, 2)
  t.equal(dsText(ds), '60485 5 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A')
  t.equal(dsRdata(encodeName('dskey.example.com')!, RDATA, 4).length, 4 + 48, 'SHA-384 digest')
})

t.test('DNSKEY RDATA parses back; too short is refused', async (t) => {
  const p = parseDnskeyRdata(RDATA)!
  t.equal(p.flags, 256)
  t.equal(p.protocol, 3)
  t.equal(p.algorithm, 5)
  t.equal(p.publicKey.toString('base64'), PUB)
  t.equal(parseDnskeyRdata(Buffer.from([1, 0, 3, 8])), undefined)
})
