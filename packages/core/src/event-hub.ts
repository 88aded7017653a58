/** Listener for one event type of a union discriminated by `type`. */
export type EventListener<E extends { readonly type: string }, T extends E['type']> = (
  event: Extract<E, { type: T }>,
) => void

/**
 * The listeners of a download or batch handle: `emit` calls the options' `onEvent` and every
 * listener of the event's type. A listener's bug must not be mistaken for a network failure inside
 * a part, so a throwing listener is isolated (listeners must not throw, by contract).
 */
export class EventHub<E extends { readonly type: string }> {
  readonly #byType = new Map<string, Set<(event: E) => void>>()
  readonly #onEvent: ((event: E) => void) | undefined

  constructor(onEvent: ((event: E) => void) | undefined) {
    this.#onEvent = onEvent
  }

  /** Delivers `event` to `onEvent` and to the listeners of its type. */
  readonly emit = (event: E): void => {
    // No array of the listeners per event: a small object in a batch emits several, most to
    // `onEvent` alone.
    deliver(this.#onEvent, event)
    const listeners = this.#byType.get(event.type)
    if (listeners === undefined || listeners.size === 0) return
    // A copy, as a listener may unsubscribe (itself or another) while it is called.
    for (const listener of [...listeners]) deliver(listener, event)
  }

  /** Subscribes to one event type; returns the unsubscribe function. */
  on<T extends E['type']>(type: T, listener: EventListener<E, T>): () => void {
    const set = this.#byType.get(type) ?? new Set()
    this.#byType.set(type, set)
    const entry = listener as (event: E) => void
    set.add(entry)
    return () => set.delete(entry)
  }
}

/** Calls `listener`, isolating its throw. */
function deliver<E>(listener: ((event: E) => void) | undefined, event: E): void {
  try {
    listener?.(event)
  } catch {
    // Ignored by contract: listeners must not throw.
  }
}
