import t from 'tap'
import { isSerialGreater, nextSerial, recordSeconds, serialAdd, serialMax, startSerial, toSerial, versionSeconds } from '../../src/zones/serial.js'

t.test('RFC 1982 comparison and addition wrap at 2^32', async (t) => {
  t.ok(isSerialGreater(2, 1))
  t.notOk(isSerialGreater(1, 2))
  t.notOk(isSerialGreater(5, 5))
  t.ok(isSerialGreater(1, 0xffff_ffff), '1 follows 2^32-1')
  t.notOk(isSerialGreater(0xffff_ffff, 1))
  t.notOk(isSerialGreater(0x8000_0000, 0), 'exactly half apart: undefined, not greater')
  t.notOk(isSerialGreater(0, 0x8000_0000))
  t.equal(serialAdd(0xffff_ffff, 1), 0)
  t.equal(serialMax(0xffff_fff0, 3), 3)
  t.equal(serialMax(3, 0xffff_fff0), 3)
})

t.test('a change moves to its unix second, or one past the current serial when that is newer', async (t) => {
  t.equal(nextSerial(100, 1_800_000_000), 1_800_000_000)
  t.equal(nextSerial(1_800_000_000, 1_800_000_000), 1_800_000_001, 'two changes in one second')
  t.equal(nextSerial(1_800_000_005, 1_800_000_000), 1_800_000_006, 'a burst ran ahead of the clock: +1')
  t.equal(nextSerial(2_026_112_901, 1_800_000_000), 2_026_112_902, 'a date-style serial ahead of unix time keeps counting')
  t.equal(nextSerial(0xffff_ffff, 5), 5, 'wraps')
})

t.test('start-up takes the newest of the candidates; invalid ones are skipped', async (t) => {
  t.equal(startSerial([undefined, 1_800_000_000, 1]), 1_800_000_000)
  t.equal(startSerial([1_800_000_010, 1_800_000_000, 1]), 1_800_000_010)
  t.equal(startSerial([Number.NaN, -1, undefined]), 0)
  t.equal(toSerial(2 ** 32 + 7.9), 7)
})

t.test('record times: RFC 3339 to unix seconds; zero and garbage give nothing', async (t) => {
  t.equal(recordSeconds('2027-01-15T08:00:00.5Z'), Date.parse('2027-01-15T08:00:00Z') / 1000)
  t.equal(recordSeconds('0001-01-01T00:00:00Z'), undefined)
  t.equal(recordSeconds(''), undefined)
  t.equal(recordSeconds(undefined), undefined)
  t.equal(recordSeconds('yesterday'), undefined)
})

t.test('versionSeconds: the newer of updated_on and added_on (an API add sets only added_on)', async (t) => {
  const z = '0001-01-01T00:00:00Z'
  t.equal(versionSeconds({ updated_on: z, added_on: '2026-01-01T00:00:10Z' }), Date.parse('2026-01-01T00:00:10Z') / 1000)
  t.equal(versionSeconds({ updated_on: '2026-01-01T00:00:20Z', added_on: '2026-01-01T00:00:10Z' }), Date.parse('2026-01-01T00:00:20Z') / 1000)
  t.equal(versionSeconds({ updated_on: '2026-01-01T00:00:05Z', added_on: '2026-01-01T00:00:10Z' }), Date.parse('2026-01-01T00:00:10Z') / 1000)
  t.equal(versionSeconds({ updated_on: '2026-01-01T00:00:05Z' }), Date.parse('2026-01-01T00:00:05Z') / 1000)
  t.equal(versionSeconds({ updated_on: z, added_on: z }), undefined)
})
