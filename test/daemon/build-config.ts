import t from 'tap'
import { configDefaults } from '../../src/config/validate.js'
import { logRotationFrom } from '../../src/daemon/build-config.js'
import { rollOptions } from '../../src/log.js'

t.test('log.log_rotation, log_rotation_size_mb and log_rotation_time_days reach the log file roller', async (t) => {
  const log = { ...configDefaults().log, log_rotation: 'time', log_rotation_size_mb: 5, log_rotation_time_days: 3 } as const
  t.same(logRotationFrom(log), { mode: 'time', sizeMb: 5, timeDays: 3 })
  t.match(rollOptions('/l/dns.log', logRotationFrom(log)), { frequency: 3 * 86_400_000 })
  t.match(rollOptions('/l/dns.log', logRotationFrom({ ...log, log_rotation: 'size' })), { size: '5m' })
})
