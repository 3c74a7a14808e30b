import t from 'tap'
import pino from 'pino'
import * as timers from '../../src/timers.js'
import { configDefaults } from '../../src/config/validate.js'
import { StopStack } from '../../src/daemon/stop-stack.js'
import type { BuildContext } from '../../src/daemon/options.js'

t.test('cache_warm_interval_seconds sets the warm-up period', async (t) => {
  const periods: number[] = []
  const { startCacheWarmUp } = await t.mockImport<typeof import('../../src/daemon/build-timers.js')>('../../src/daemon/build-timers.js', {
    '../../src/timers.js': {
      ...timers,
      setClampedInterval: (fn: () => void, ms: number) => {
        periods.push(ms)
        return setInterval(fn, 1e9) // never fires in the test
      },
    },
  })
  const config = { ...configDefaults(), cache_warm_enabled: true, cache_warm_interval_seconds: 7 }
  const log = pino({ level: 'silent' })
  const stops = new StopStack(log)
  const ctx: BuildContext = { config, cfg: () => config, log, stops }
  const warm = startCacheWarmUp(ctx, { forward: async () => ({ kind: 'none', reason: 'no_upstreams', failures: [] }) }, 5353)
  t.teardown(() => stops.unwind())
  t.ok(warm)
  t.same(periods, [7000])
  t.equal(startCacheWarmUp({ ...ctx, config: { ...config, cache_warm_enabled: false } }, { forward: async () => ({ kind: 'none', reason: 'no_upstreams', failures: [] }) }, 5353), undefined)
})
