// A port whose listener never accepts: a child process listens with a backlog of 1 and holds its
// event loop, and the kernel's accept queue is filled, so a new connection's SYN waits unanswered.
import { spawn } from 'node:child_process'
import { connect, type Socket } from 'node:net'

const LISTENER = `
const server = require('node:net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.stdout.write(server.address().port + '\\n')
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
})`

/** A port on 127.0.0.1 where a connect never completes, and how to free it. */
export interface UnacceptingListener {
  readonly port: number
  close(): void
}

/** Connects to `port`; true once connected, false if not within `ms`. */
function connects(port: number, ms: number, held: Socket[]): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    held.push(socket)
    socket.on('error', () => resolve(false))
    const timer = setTimeout(() => resolve(false), ms)
    socket.once('connect', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

/** Starts the listener (with `node` from PATH) and fills its accept queue. */
export async function startUnacceptingListener(): Promise<UnacceptingListener> {
  const child = spawn('node', ['-e', LISTENER], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.stdout?.once('data', (data: Uint8Array) => resolve(Number(String(data).trim())))
  })
  const held: Socket[] = []
  const close = (): void => {
    for (const socket of held) socket.destroy()
    child.kill('SIGKILL')
  }
  // The queue holds backlog + 1 on Linux; fill until a connect is left waiting.
  for (let tries = 0; tries < 16; tries++) {
    if (!(await connects(port, 300, held))) return { port, close }
  }
  close()
  throw new Error('the accept queue did not fill: every connect completed')
}
