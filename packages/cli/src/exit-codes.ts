/** Process exit codes of the `resumable` command. */
export const ExitCode: {
  readonly ok: 0
  readonly failed: 1
  readonly usage: 2
  readonly nothingToCancel: 3
  readonly busy: 75
  readonly interrupted: 130
} = {
  /** Done: the destination is complete and verified (`cancel`: something was removed). */
  ok: 0,
  /**
   * The download failed. A checkpoint that is still valid is kept for a later run; when none is
   * (the object changed, the data failed verification, nothing was saved yet) the partial
   * download is removed and the message says the next run starts over.
   */
  failed: 1,
  /** Bad command line: nothing was touched. */
  usage: 2,
  /** `cancel` found no partial download, lock or checkpoint to remove. */
  nothingToCancel: 3,
  /** Another live process is downloading to this destination: nothing was touched (sysexits EX_TEMPFAIL). */
  busy: 75,
  /** Interrupted (Ctrl-C / SIGTERM): progress saved, run the same command to resume. */
  interrupted: 130,
}
