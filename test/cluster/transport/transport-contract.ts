/** The Transport contract (test/helpers/transport-contract.ts) for the memory and tcp transports. */
import t from 'tap'
import { MemoryTransport } from '../../../src/cluster/transport/memory-transport.js'
import { TcpTransport } from '../../../src/cluster/transport/tcp-transport.js'
import { runTransportContract } from '../../helpers/transport-contract.js'

runTransportContract(t, 'memory', () => new MemoryTransport())
runTransportContract(t, 'tcp', () => new TcpTransport())
