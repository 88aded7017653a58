/** Process exit codes of the `resumable` command. */
export const ExitCode: {
  readonly ok: 0
  readonly failed: 1
  readonly usage: 2
  readonly interrupted: 130
} = {
  /** Done: the destination is complete and verified. */
  ok: 0,
  /** The download failed; the checkpoint (if any) is kept for a later run. */
  failed: 1,
  /** Bad command line: nothing was touched. */
  usage: 2,
  /** Interrupted (Ctrl-C / SIGTERM): progress saved, run the same command to resume. */
  interrupted: 130,
}
