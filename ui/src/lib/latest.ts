// Asking Rust as the user types or scrolls: at most one request in flight; while one runs,
// only the newest ask waits (older waiting asks are dropped), and an answer that a newer ask
// has made stale is dropped too. No fixed delay: a lone keystroke is answered at once.

export interface Latest<A> {
  /** Asks for `args`; an ask equal (by `key`) to the one in flight or waiting is ignored. */
  ask(args: A): void;
  /** Drops whatever is in flight or waiting (the screen goes away). */
  cancel(): void;
}

export function latest<A, R>(
  run: (args: A) => Promise<R>,
  onAnswer: (answer: R, args: A) => void,
  onError: (err: unknown) => void,
  key: (args: A) => string = (a) => JSON.stringify(a),
): Latest<A> {
  let flying: string | null = null;
  let waiting: A | null = null;
  let generation = 0;

  async function start(args: A) {
    const mine = ++generation;
    flying = key(args);
    try {
      const answer = await run(args);
      if (mine === generation && waiting === null) onAnswer(answer, args);
    } catch (err) {
      if (mine === generation && waiting === null) onError(err);
    } finally {
      if (mine === generation) {
        flying = null;
        const next = waiting;
        waiting = null;
        if (next !== null) void start(next);
      }
    }
  }

  return {
    ask(args: A) {
      const k = key(args);
      if (flying === null) {
        void start(args);
      } else if (k === flying) {
        waiting = null; // the answer on its way is the one wanted
      } else {
        waiting = args;
      }
    },
    cancel() {
      generation++;
      flying = null;
      waiting = null;
    },
  };
}
