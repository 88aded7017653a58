// The page: a URL field, a progress bar, pause / resume, and "resume after reload" (the URL of an
// unfinished download is kept in localStorage; its checkpoint is in IndexedDB, its bytes in OPFS).
import type { DownloadEvent, DownloadProgress } from '@resumable/core'
import { type FromWorker, fileNameFor, type ToWorker } from './messages.ts'

const UNFINISHED = 'resumable-example:unfinished-url'
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T
const form = $<HTMLFormElement>('form')
const urlField = $<HTMLInputElement>('url')
const startButton = $<HTMLButtonElement>('start')
const pauseButton = $<HTMLButtonElement>('pause')
const bar = $<HTMLProgressElement>('bar')
const status = $<HTMLParagraphElement>('status')
const errorLine = $<HTMLParagraphElement>('error')
const log = $<HTMLOListElement>('log')

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })
const send = (message: ToWorker): void => worker.postMessage(message)
const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`

function setState(state: 'idle' | 'running' | 'paused' | 'done' | 'error'): void {
  document.body.dataset.state = state
  startButton.disabled = state === 'running'
  pauseButton.disabled = state !== 'running'
  startButton.textContent = state === 'paused' ? 'Resume' : 'Start'
}

function showProgress(p: DownloadProgress): void {
  bar.max = Math.max(p.totalBytes, 1)
  bar.value = p.bytesDone
  const rate = p.bytesPerSecond > 0 ? `, ${mib(p.bytesPerSecond)}/s` : ''
  const resumed = p.resumedBytes > 0 ? `, ${mib(p.resumedBytes)} resumed` : ''
  status.textContent = `${mib(p.bytesDone)} of ${mib(p.totalBytes)}${rate}${resumed}`
}

function record(event: DownloadEvent): void {
  const item = document.createElement('li')
  item.dataset.type = event.type
  const { type: _type, ...details } = event
  item.textContent = `${event.type} ${JSON.stringify(details, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`
  log.append(item)
}

worker.onmessage = (message: MessageEvent<FromWorker>): void => {
  const m = message.data
  if (m.type === 'progress') showProgress(m.progress)
  else if (m.type === 'event') record(m.event)
  else if (m.type === 'paused') {
    setState('paused')
    status.textContent += ' (paused)'
  } else if (m.type === 'done') {
    localStorage.removeItem(UNFINISHED)
    setState('done')
    status.dataset.summary = JSON.stringify(m.summary)
    status.textContent = `Done: ${mib(m.summary.bytes)} in ${(m.summary.durationMs / 1000).toFixed(1)} s, ${mib(m.summary.fetchedBytes)} fetched, ${mib(m.summary.resumedBytes)} resumed, verified by ${m.summary.verification}`
  } else {
    setState('error')
    errorLine.dataset.kind = m.kind
    errorLine.dataset.name = m.name
    errorLine.textContent = `${m.name} (${m.kind}): ${m.message}`
  }
}

form.onsubmit = (submit): void => {
  submit.preventDefault()
  const url = urlField.value
  localStorage.setItem(UNFINISHED, url)
  errorLine.textContent = ''
  setState('running')
  send({ type: 'start', url, name: fileNameFor(url) })
}
pauseButton.onclick = (): void => send({ type: 'pause' })

const unfinished = localStorage.getItem(UNFINISHED)
const given = new URLSearchParams(location.search).get('url')
urlField.value = given ?? unfinished ?? ''
if (unfinished !== null && (given === null || given === unfinished)) {
  setState('paused')
  status.textContent = `An unfinished download of ${fileNameFor(unfinished)} can resume: press Resume.`
}
